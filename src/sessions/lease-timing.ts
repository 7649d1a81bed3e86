/**
 * The session lease's timing, all of it following from how long a lease lives without renewal
 * (SESSION_LEASE_TTL, 30 s by default):
 *
 *   - the holder renews every third of it (10 s), so two renewals can fail before it matters;
 *   - every call to the store has a deadline of a sixth of it (5 s): a store that hangs is a
 *     failed call, never a renewal waited on for ever;
 *   - a holder that could not renew gives up a sixth of it before its lease expires (25 s after
 *     its last renewal), so it has stopped using Telegram before anyone may take the lease over.
 *
 *       0 s        10 s        20 s   25 s   30 s
 *       renewed ── renew ───── renew ─ give up ─ expires: another instance may take over
 */
import { DEFAULT_SESSION_LEASE_TTL_SECONDS } from '../config/config.ts'
export interface LeaseTiming {
  /** How long a lease lives without renewal. */
  ttlMs: number
  renewEveryMs: number
  /** The longest one call to the store may take before it counts as failed. */
  storeDeadlineMs: number
  /** How long before expiry a holder that cannot renew stops (reports its lease lost). */
  giveUpBeforeMs: number
}


export function leaseTiming(ttlSeconds: number): LeaseTiming {
  const ttlMs = ttlSeconds * 1000
  return { ttlMs, renewEveryMs: ttlMs / 3, storeDeadlineMs: ttlMs / 6, giveUpBeforeMs: ttlMs / 6 }
}

/** The timing of the default lease, 30 s. */
export const SESSION_LEASE_TIMING: LeaseTiming = Object.freeze(leaseTiming(DEFAULT_SESSION_LEASE_TTL_SECONDS))
