/**
 * Moves a ManualClock on whenever the code under test comes to rest in a sleep (a backoff
 * before a retry), by `stepMs` at a time: retries then happen at once in real time while their
 * delays still add up on the clock. `stop` lets the clock be.
 */
import type { ManualClock } from './manual-clock.ts'

export interface ClockPump {
  stop(): void
}

export function pumpClock(clock: ManualClock, stepMs = 60_000): ClockPump {
  let stopped = false
  let release: () => void = () => {}
  const stoppedSignal = new Promise<void>((resolve) => { release = resolve })
  void (async () => {
    while (!stopped) {
      await Promise.race([clock.whenSleeping(1), stoppedSignal])
      if (stopped) return
      // Let the sleeper's caller settle first, so a step wakes one sleep and not the next one too.
      await new Promise((resolve) => setImmediate(resolve))
      clock.advance(stepMs)
    }
  })()
  return {
    stop() {
      stopped = true
      release()
    },
  }
}
