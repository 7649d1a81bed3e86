import type { TlObject } from '../../tl/tl-object.ts'
import { selfUserObject } from '../../world/peer-objects.ts'
import type { AccountUser } from '../../world/viewer.ts'
import type { HandlerTable } from '../handler.ts'
import { RpcError } from '../rpc-error.ts'

/** auth.* — sign-in by code, two-step password, QR tokens, log out. All callable before sign-in. */
export const authHandlers: HandlerTable = {
  'auth.sendCode': {
    signedIn: false,
    run: (ctx, params) => {
      const { phoneCodeHash, codeLength } = ctx.accounts.sendCode(String(params.phone_number ?? ''), ctx.call.authKeyId)
      return {
        _: 'auth.sentCode',
        type: { _: 'auth.sentCodeTypeApp', length: codeLength },
        phone_code_hash: phoneCodeHash,
        timeout: 60,
      }
    },
  },
  'auth.signIn': {
    signedIn: false,
    run: (ctx, params) =>
      authorization(
        ctx.accounts.signIn(
          String(params.phone_number ?? ''),
          String(params.phone_code_hash ?? ''),
          String(params.phone_code ?? ''),
          ctx.call.authKeyId,
        ),
      ),
  },
  'auth.checkPassword': {
    signedIn: false,
    run: (ctx, params) => {
      const password = params.password as TlObject | undefined
      if (!password || password._ !== 'inputCheckPasswordSRP') throw new RpcError(400, 'PASSWORD_HASH_INVALID')
      return authorization(
        ctx.accounts.checkPassword(
          ctx.call.authKeyId,
          BigInt(password.srp_id as bigint),
          password.A as Buffer,
          password.M1 as Buffer,
        ),
      )
    },
  },
  'auth.logOut': {
    signedIn: true,
    run: (ctx) => {
      ctx.accounts.logOut(ctx.call.authKeyId)
      return { _: 'auth.loggedOut' }
    },
  },
  'auth.exportLoginToken': {
    signedIn: false,
    run: (ctx) => loginToken(ctx.accounts.exportLoginToken(ctx.call.authKeyId)),
  },
  'auth.importLoginToken': {
    signedIn: false,
    run: (ctx, params) => loginToken(ctx.accounts.importLoginToken(params.token as Buffer, ctx.call.authKeyId)),
  },
}

export function authorization(user: AccountUser): TlObject {
  return { _: 'auth.authorization', user: selfUserObject(user) }
}

function loginToken(result: { token: Buffer; expires: number } | { user: AccountUser }): TlObject {
  if ('user' in result) return { _: 'auth.loginTokenSuccess', authorization: authorization(result.user) }
  return { _: 'auth.loginToken', expires: result.expires, token: result.token }
}
