/**
 * A Clock that moves only when the test says so. Sleeps resolve when `advance` passes
 * their end; `whenSleeping` tells the test that the code under test has come to rest in a
 * sleep (a renewal done, a poll refused), which is how tests know an asynchronous step ended.
 */
import type { Clock, SleepOptions } from '../../src/core/clock.ts'

interface Sleeper {
  until: number
  wake(): void
}

export class ManualClock implements Clock {
  #now: number
  readonly #sleepers = new Set<Sleeper>()
  #watchers: Array<{ ready(): boolean, resolve(): void }> = []

  constructor(startMs: number) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  sleep(ms: number, { signal }: SleepOptions): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const sleeper: Sleeper = {
        until: this.#now + ms,
        wake: () => {
          this.#sleepers.delete(sleeper)
          signal?.removeEventListener('abort', sleeper.wake)
          resolve()
        },
      }
      signal?.addEventListener('abort', sleeper.wake, { once: true })
      this.#sleepers.add(sleeper)
      this.#notify()
    })
  }

  /** The number of sleeps pending. */
  get sleeping(): number {
    return this.#sleepers.size
  }

  /** Resolves once at least `count` sleeps are pending. */
  whenSleeping(count = 1): Promise<void> {
    return this.#when(() => this.#sleepers.size >= count)
  }

  /**
   * Resolves once `count` sleeps ending at `until` are pending: the step that sets that sleep has run
   * (a lease renewal done sleeps until the next one, while it is in flight only until the
   * lease's give-up time).
   */
  whenSleepingUntil(until: number, count = 1): Promise<void> {
    return this.#when(() => [...this.#sleepers].filter((sleeper) => sleeper.until === until).length >= count)
  }

  #when(ready: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.#watchers.push({ ready, resolve })
      this.#notify()
    })
  }

  /** When the earliest pending sleep ends (ms), or undefined when none is pending. */
  get nextWake(): number | undefined {
    let earliest: number | undefined
    for (const sleeper of this.#sleepers) if (earliest === undefined || sleeper.until < earliest) earliest = sleeper.until
    return earliest
  }

  /** Moves time forward and wakes every sleep that has ended. */
  advance(ms: number): void {
    this.#now += ms
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.until <= this.#now) sleeper.wake()
    }
  }

  #notify(): void {
    const ready = this.#watchers.filter((watcher) => watcher.ready())
    this.#watchers = this.#watchers.filter((watcher) => !ready.includes(watcher))
    for (const watcher of ready) watcher.resolve()
  }
}
