/**
 * A deadline on one call to the session store. A store that accepts a request and never
 * answers (an S3 endpoint behind a hung proxy, a stalled network file system) must fail the
 * call in time, not hold the lease's renewal — or a shutdown — for ever (src/sessions/lease-timing.ts).
 * `abort` is told when the deadline passes, so that the call's own work stops where it can (an
 * HTTP request is destroyed); the caller is answered with `expired()` either way.
 */
import type { Clock } from '../core/clock.ts'

export interface Deadline {
  ms: number
  clock: Clock
}

export async function withinDeadline<T>(
  deadline: Deadline,
  work: (signal: AbortSignal) => Promise<T>,
  expired: () => Error,
): Promise<T> {
  const abort = new AbortController()
  const timer = new AbortController()
  const late = deadline.clock.sleep(deadline.ms, { signal: timer.signal, keepAlive: false }).then(() => {
    if (timer.signal.aborted) return new Promise<never>(() => {})
    const error = expired()
    abort.abort(error)
    throw error
  })
  try {
    return await Promise.race([work(abort.signal), late])
  } finally {
    timer.abort()
  }
}
