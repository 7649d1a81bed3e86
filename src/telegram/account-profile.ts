/**
 * GET /me: the signed-in account as users.getUsers([inputUserSelf]) describes it — id,
 * username and name. The phone number is left out on purpose: it is the one personal datum the
 * service never hands on.
 */
import type { AccountProfile } from './connector.ts'
import type { TelegramMetrics } from '../metrics/service-metrics.ts'
import { telegramError } from '../core/errors.ts'
import { meteredCall, type RpcCaller } from './calls/call-with-flood-wait.ts'
import { toAppError } from './calls/rpc-errors.ts'

export async function fetchAccountProfile(
  client: RpcCaller,
  options: { callTimeoutMs: number; metrics?: TelegramMetrics | undefined },
): Promise<AccountProfile> {
  let users
  try {
    // users.getUsers#0d91a548 id:Vector<InputUser> = Vector<User>
    users = await meteredCall(client, options, { _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] })
  } catch (err) {
    throw toAppError(err)
  }
  const user = users[0]
  if (user === undefined || user._ !== 'user') throw telegramError('Telegram did not describe the signed-in account.')
  return { id: user.id, username: user.username ?? null, firstName: user.firstName ?? '', lastName: user.lastName ?? null }
}
