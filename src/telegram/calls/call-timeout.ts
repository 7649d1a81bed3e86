/**
 * The per-call deadline given to mtcute: an unreachable Telegram becomes an error instead of a
 * request that waits forever (mtcute queues calls while it reconnects).
 *
 * It is an `AbortSignal.timeout`, not mtcute's own `timeout` option: in @mtcute/core 0.30.3 the
 * `timeout` timer is not cleared when the answer arrives (session-connection.js sendRpc), so every
 * call would hold the event loop open for the whole timeout. Abort-signal timers are unref'd, and
 * mtcute removes its abort listener once the call is answered. An expired signal rejects the call
 * with a DOMException named "TimeoutError", which rpc-errors.ts maps to TELEGRAM_UNAVAILABLE.
 */
import type { RpcCallOptions } from '@mtcute/core'

export function callTimeout(ms: number): RpcCallOptions {
  return { abortSignal: AbortSignal.timeout(ms) }
}
