/**
 * Writes live events to an HTTP response as Server-Sent Events
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * `id:`, `event:` and one `data:` line per event, a comment line as a heartbeat whenever
 * nothing was written for `heartbeatMs`, and the socket's backpressure respected (a write that
 * does not fit waits for `drain`). The stream ends when the events end or the client goes.
 */
import type { ServerResponse } from 'node:http'
import type { Clock } from '../clock.ts'
import type { LiveEvent } from '../live/live-feed.ts'

export interface SseOptions {
  clock: Pick<Clock, 'sleep'>
  heartbeatMs: number
  /** Milliseconds an EventSource waits before reconnecting (the stream's `retry:` field). */
  retryMs: number
}

export function sseFrame(event: LiveEvent): string {
  // JSON text holds no raw newline, so one data: line carries it whole.
  return `id: ${event.id}\nevent: ${event.event}\ndata: ${event.json}\n\n`
}

/**
 * Streams `events` until they end, the client disconnects (`signal`), or `failed` says how the
 * events failed; the caller has sent the headers.
 */
export async function writeSse(
  response: ServerResponse,
  events: AsyncIterator<LiveEvent>,
  signal: AbortSignal,
  options: SseOptions,
): Promise<void> {
  const closed = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
  const write = async (text: string): Promise<void> => {
    if (signal.aborted || response.writableEnded) return
    if (!response.write(text)) await Promise.race([new Promise((resolve) => response.once('drain', resolve)), closed])
  }
  await write(`retry: ${options.retryMs}\n: connected\n\n`)
  let pending = events.next()
  while (!signal.aborted) {
    const quiet = new AbortController()
    const onAbort = (): void => quiet.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    const heartbeat = options.clock.sleep(options.heartbeatMs, { signal: quiet.signal, keepAlive: false }).then(() => 'heartbeat' as const)
    const next = await Promise.race([pending, heartbeat, closed.then(() => 'closed' as const)])
    quiet.abort()
    signal.removeEventListener('abort', onAbort)
    if (next === 'closed') return
    if (next === 'heartbeat') {
      if (!signal.aborted) await write(': heartbeat\n\n')
      continue
    }
    if (next.done) return
    await write(sseFrame(next.value))
    pending = events.next()
  }
}
