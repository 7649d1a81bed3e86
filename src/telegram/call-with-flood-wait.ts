/**
 * One Telegram call that waits out a short flood wait and retries, as Telegram asks
 * (https://core.telegram.org/api/errors#420-flood): FLOOD_WAIT_X means "retry after X
 * seconds". Waits longer than the threshold are not worth holding an HTTP request for; they
 * surface as FLOOD_WAIT (429 with Retry-After). Every other failure is converted once, here.
 *
 * Every attempt goes through `meteredCall`, the one place RPCs and flood waits are counted
 * (GET /metrics: telegram_rpc_calls_total, telegram_flood_waits_total).
 */
import type { ITelegramClient, tl } from '@mtcute/core'
import type { TelegramMetrics } from '../metrics/service-metrics.ts'
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
  metrics?: TelegramMetrics | undefined
}

export type RpcCaller = Pick<ITelegramClient, 'call'>

export const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sends one RPC with a deadline, counting it (and a flood wait it meets) in `metrics`.
 * Errors are passed on as mtcute raised them; callers convert them.
 */
export async function meteredCall<T extends tl.RpcMethod>(
  client: RpcCaller,
  options: { callTimeoutMs: number; metrics?: TelegramMetrics | undefined },
  request: T,
): Promise<tl.RpcCallReturn[T['_']]> {
  options.metrics?.recordRpc(request._)
  try {
    return (await client.call(request as never, callTimeout(options.callTimeoutMs))) as tl.RpcCallReturn[T['_']]
  } catch (err) {
    const seconds = floodWaitSeconds(err)
    if (seconds !== null) options.metrics?.recordFloodWait(request._, seconds)
    throw err
  }
}

export async function callWithFloodWait<T extends tl.RpcMethod>(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  request: T,
): Promise<tl.RpcCallReturn[T['_']]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await meteredCall(client, policy, request)
    } catch (err) {
      const seconds = floodWaitSeconds(err)
      if (seconds === null || seconds > policy.thresholdSeconds || attempt >= policy.maxRetries) throw toAppError(err)
      // FLOOD_WAIT_0 still means "not right now": wait at least a second.
      await policy.sleep(Math.max(1, seconds) * 1000)
    }
  }
}
