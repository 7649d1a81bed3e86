/**
 * Whether Telegram has really revoked the signed-in session. One call answered with a
 * signed-out text (AUTH_KEY_UNREGISTERED, SESSION_REVOKED, USER_DEACTIVATED, … — rpc-errors.ts)
 * is not proof enough to throw a login away: the answer may come from a DC the key was never
 * registered on, or from a transient fault. So the gateway asks again with a fresh call on the
 * home DC — mtcute sends `call` without a dcId to the primary DC, the one the session belongs
 * to — that any signed-in key may make: `users.getUsers` for `inputUserSelf`
 * (https://core.telegram.org/method/users.getUsers).
 */
import type { TelegramMetrics } from '../../metrics/service-metrics.ts'
import { meteredCall, type RpcCaller } from '../calls/call-with-flood-wait.ts'
import { isSignedOut } from '../calls/rpc-errors.ts'

/** `revoked`: confirmed; `signed-in`: the session works; `unknown`: the check itself failed otherwise. */
export type RevocationVerdict = 'revoked' | 'signed-in' | 'unknown'

export async function confirmRevoked(
  client: RpcCaller,
  options: { callTimeoutMs: number; metrics?: TelegramMetrics | undefined },
): Promise<RevocationVerdict> {
  try {
    await meteredCall(client, options, { _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] })
    return 'signed-in'
  } catch (err) {
    return isSignedOut(err) ? 'revoked' : 'unknown'
  }
}
