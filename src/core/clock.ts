/**
 * Time as the service sees it — the session lease's renewals and expiries, flood waits and
 * stream keep-alives — injected so that tests drive it without waiting. Lease expiry times are
 * wall-clock times shared between instances (possibly on different hosts): their clocks are
 * assumed to agree to well within the lease's lifetime.
 */
import { setTimeout as delay } from 'node:timers/promises'

export interface SleepOptions {
  /** Ends the sleep early (the promise resolves, it does not reject). */
  signal?: AbortSignal | undefined
  /** Whether the pending sleep keeps the process running (a waiting start does; a renewal timer does not). */
  keepAlive: boolean
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  sleep(ms: number, options: SleepOptions): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, { signal, keepAlive }) =>
    delay(ms, undefined, { ref: keepAlive, ...(signal === undefined ? {} : { signal }) }).catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') throw err
    }),
}
