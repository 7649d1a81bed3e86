import { SRP_ALGO_NAME } from '../../world/accounts.ts'
import { SRP_G, SRP_PRIME } from '../../world/srp.ts'
import type { HandlerTable } from '../handler.ts'

/** account.* — the two-step password challenge (core.telegram.org/api/srp) and presence. */
export const accountHandlers: HandlerTable = {
  // Callable between auth.signIn's SESSION_PASSWORD_NEEDED and auth.checkPassword; Accounts
  // answers AUTH_KEY_UNREGISTERED for a key that is neither signed in nor awaiting a password.
  'account.getPassword': {
    signedIn: false,
    run: (ctx) => {
      const challenge = ctx.accounts.passwordChallenge(ctx.call.authKeyId)
      const algo = (salt1: Buffer, salt2: Buffer) => ({ _: SRP_ALGO_NAME, salt1, salt2, g: SRP_G, p: SRP_PRIME })
      return {
        _: 'account.password',
        has_password: challenge.hasPassword,
        current_algo: challenge.algo ? algo(challenge.algo.salt1, challenge.algo.salt2) : undefined,
        srp_B: challenge.srpB,
        srp_id: challenge.srpId,
        hint: challenge.hint,
        new_algo: algo(challenge.newSalt1, challenge.newSalt2),
        new_secure_algo: { _: 'securePasswordKdfAlgoSHA512', salt: Buffer.alloc(8) },
        secure_random: challenge.secureRandom,
      }
    },
  },
  'account.updateStatus': { signedIn: true, run: () => true },
}
