/**
 * How long to wait before the next attempt: exponential backoff with "equal jitter" (half of
 * the step fixed, half random), so that a target coming back is not met by every retry at the
 * same instant, and a delay never collapses to nothing. A target's `Retry-After` (RFC 9110
 * §10.2.3) is honoured as it is, within an hour.
 */

export interface RetryPolicy {
  /** The first step. */
  initialMs: number
  /** No step grows past this. */
  maxMs: number
}

export const SINK_RETRY_POLICY: RetryPolicy = { initialMs: 1_000, maxMs: 60_000 }

/** A Retry-After of a day would stall the feed for a day: an hour is the most we wait on its word. */
export const MAX_RETRY_AFTER_MS = 3_600_000

/** `attempt` counts failures of this event so far, from 1; `random` is in [0, 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(step / 2 + (step / 2) * random)
}
