/**
 * A Clock whose sleeps end at once, moving its time forward by what they asked for, and which
 * remembers every sleep: for tests that check what was waited (a flood wait sat through), not
 * how waiting interleaves with other work (test/helpers/manual-clock.ts is for that).
 */
import type { Clock, SleepOptions } from '../../src/core/clock.ts'

export class RecordingClock implements Clock {
  #now: number
  /** Every sleep asked for, in ms, in order; aborted ones included. */
  readonly sleeps: number[] = []

  constructor(startMs = Date.now()) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  /** Time passes without anyone sleeping. */
  advance(ms: number): void {
    this.#now += ms
  }

  async sleep(ms: number, { signal }: SleepOptions): Promise<void> {
    if (signal?.aborted) return
    this.sleeps.push(ms)
    this.#now += ms
  }
}
