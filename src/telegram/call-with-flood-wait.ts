/**
 * One Telegram call that waits out a short flood wait and retries, as Telegram asks
 * (https://core.telegram.org/api/errors#420-flood): FLOOD_WAIT_X means "retry after X
 * seconds". Waits longer than the threshold are not worth holding an HTTP request for; they
 * surface as FLOOD_WAIT (429 with Retry-After). Every other failure is converted once, here.
 */
import type { ITelegramClient, tl } from '@mtcute/core'
import { callTimeout } from './call-timeout.ts'
import { floodWaitSeconds, toAppError } from './rpc-errors.ts'

export type Sleep = (ms: number) => Promise<void>

export interface FloodWaitPolicy {
  /** The longest wait, in seconds, that is waited out rather than reported. */
  thresholdSeconds: number
  /** How many times one call is retried after flood waits before giving up. */
  maxRetries: number
  /** Per-call timeout, milliseconds. */
  callTimeoutMs: number
  sleep: Sleep
}

export type RpcCaller = Pick<ITelegramClient, 'call'>

export const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export async function callWithFloodWait<T extends tl.RpcMethod>(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  request: T,
): Promise<tl.RpcCallReturn[T['_']]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.call(request as never, callTimeout(policy.callTimeoutMs))) as tl.RpcCallReturn[T['_']]
    } catch (err) {
      const seconds = floodWaitSeconds(err)
      if (seconds === null || seconds > policy.thresholdSeconds || attempt >= policy.maxRetries) throw toAppError(err)
      // FLOOD_WAIT_0 still means "not right now": wait at least a second.
      await policy.sleep(Math.max(1, seconds) * 1000)
    }
  }
}
