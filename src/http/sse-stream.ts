/**
 * Writes live events to an HTTP response as Server-Sent Events
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * `id:`, `event:` and one `data:` line per event, a comment line as a heartbeat whenever
 * nothing was written for `heartbeatMs`, and the socket's backpressure respected (a write that
 * does not fit waits for `drain`). The stream ends when the events end or the client goes.
 *
 * Memory stays flat however long the stream lives: every wait listens to the client's going
 * away with a listener of its own, removed when the wait ends, and never chains onto a promise
 * that stays pending for the connection's life (each reaction on such a promise would be kept
 * until the client disconnects).
 */
import type { ServerResponse } from 'node:http'
import type { Clock } from '../core/clock.ts'
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

/** Waits for `drain`, or for the client to go; both listeners are removed either way. */
function drained(response: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    response.on('drain', done)
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * Streams `events` until they end or the client disconnects (`signal`); the caller has sent
 * the headers. An error of the events is thrown.
 */
export async function writeSse(
  response: ServerResponse,
  events: AsyncIterator<LiveEvent>,
  signal: AbortSignal,
  options: SseOptions,
): Promise<void> {
  const write = async (text: string): Promise<void> => {
    if (signal.aborted || response.writableEnded) return
    if (!response.write(text)) await drained(response, signal)
  }
  await write(`retry: ${options.retryMs}\n: connected\n\n`)
  let pending = events.next()
  while (!signal.aborted) {
    // The heartbeat's sleep ends early when the client goes (the sleep follows `quiet`, which
    // follows `signal` for this one wait) or when the event comes first.
    const quiet = new AbortController()
    const onAbort = (): void => quiet.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    const heartbeat = options.clock.sleep(options.heartbeatMs, { signal: quiet.signal, keepAlive: false }).then(() => 'heartbeat' as const)
    let next: IteratorResult<LiveEvent> | 'heartbeat'
    try {
      next = await Promise.race([pending, heartbeat])
    } finally {
      quiet.abort()
      signal.removeEventListener('abort', onAbort)
    }
    if (signal.aborted) return
    if (next === 'heartbeat') {
      await write(': heartbeat\n\n')
      continue
    }
    if (next.done) return
    await write(sseFrame(next.value))
    pending = events.next()
  }
}
