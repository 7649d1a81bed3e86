/**
 * The floor a flood limit sets: the least time in which a client that knew the limit exactly
 * could have `calls` calls admitted, from a full bucket, meeting no wait. How the bucket behaves
 * around a wait does not matter to such a client (it meets none); a limit that changes while it
 * reads does. Benchmarks and tests measure a read's time against it.
 *
 * Pure: times in milliseconds from the read's start.
 */
import type { RateLimit } from './flood-control.ts'

export interface RateChange {
  /** When the new rate starts, ms after the read's start. */
  atMs: number
  perSecond: number
}

export function floorMs(calls: number, limit: Pick<RateLimit, 'burst' | 'perSecond'>, changes: readonly RateChange[] = []): number {
  let needed = calls - limit.burst
  if (needed <= 0) return 0
  let at = 0
  let rate = limit.perSecond
  for (const change of [...changes].sort((a, b) => a.atMs - b.atMs)) {
    if (change.atMs <= at) {
      rate = change.perSecond
      continue
    }
    const gained = ((change.atMs - at) / 1000) * rate
    if (gained >= needed) break
    needed -= gained
    at = change.atMs
    rate = change.perSecond
  }
  return at + (needed / rate) * 1000
}
