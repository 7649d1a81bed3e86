/**
 * The one seam every Telegram call goes through. FLOOD_WAIT_X means "no call of this method for
 * X seconds" (https://core.telegram.org/api/errors#420-flood), for the whole account: every call
 * passes the account's flood gate (./flood-gate.ts), which holds it while a wait runs, paces the
 * method and refuses callers that will not wait as long as Telegram asks. A call that meets a
 * wait is retried once the gate lets it through, however many waits that takes: what ends it is
 * a single wait longer than the caller's `maxWaitSeconds` (FLOOD_WAIT: 429 with Retry-After
 * before a response has started), Telegram unreachable, or the caller's signal (it went away,
 * the service stops). Every other failure is converted once, here.
 *
 * Every attempt goes through `meteredCall`, the one place RPCs and flood waits are counted
 * (GET /metrics: telegram_rpc_calls_total, telegram_flood_waits_total).
 */
import type { ITelegramClient, tl } from '@mtcute/core'
import type { TelegramMetrics } from '../../metrics/service-metrics.ts'
import { callTimeout } from './call-timeout.ts'
import type { FloodGate, HeldWait } from './flood-gate.ts'
import { floodWaitSeconds, toAppError } from './rpc-errors.ts'

export type Sleep = (ms: number) => Promise<void>

export interface GatedCallOptions {
  gate: FloodGate
  /** The longest flood wait, in seconds, sat through rather than reported; read at each wait. */
  maxWaitSeconds: () => number
  /** Per-call timeout, milliseconds. */
  callTimeoutMs: number
  metrics?: TelegramMetrics | undefined
  /** Stops waiting in the gate (the caller went away, the service stops). */
  signal?: AbortSignal | undefined
  /** Told of each flood wait the call sits through. */
  onWait?: ((wait: HeldWait) => void) | undefined
}

export type FloodWaitPolicy = GatedCallOptions

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

/**
 * One attempt through the gate: waits for it (or is refused with FLOOD_WAIT), sends, and tells
 * the gate how it went. Telegram's errors are passed on as mtcute raised them.
 */
export async function gatedCall<T extends tl.RpcMethod>(
  client: RpcCaller,
  options: GatedCallOptions,
  request: T,
): Promise<tl.RpcCallReturn[T['_']]> {
  const pass = await options.gate.acquire(request._, options)
  try {
    const result = await meteredCall(client, options, request)
    pass.done()
    return result
  } catch (err) {
    pass.done(floodWaitSeconds(err))
    throw err
  }
}

export async function callWithFloodWait<T extends tl.RpcMethod>(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  request: T,
): Promise<tl.RpcCallReturn[T['_']]> {
  for (;;) {
    try {
      return await gatedCall(client, policy, request)
    } catch (err) {
      // The gate has recorded the wait; the next attempt waits it out or is refused.
      if (floodWaitSeconds(err) === null) throw toAppError(err)
    }
  }
}
