/**
 * Time running `scale` times faster than the wall clock, the same in every process of a bench
 * run (each computes it from the wall clock and a shared origin): flood waits of seconds pass in
 * tenths, so a read that Telegram's limits stretch to minutes is measured in seconds.
 */
import type { Clock } from '../src/core/clock.ts'

export function scaledNow(originMs: number, scale: number): () => number {
  return () => originMs + (Date.now() - originMs) * scale
}

export function scaledClock(originMs: number, scale: number): Clock {
  return {
    now: scaledNow(originMs, scale),
    sleep: (ms, { signal, keepAlive }) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve()
        const timer = setTimeout(done, ms / scale)
        if (!keepAlive) timer.unref()
        function done(): void {
          signal?.removeEventListener('abort', done)
          clearTimeout(timer)
          resolve()
        }
        signal?.addEventListener('abort', done, { once: true })
      }),
  }
}
