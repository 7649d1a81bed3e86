/**
 * The rates a token bucket may refill at, given what one client saw of it between two flood
 * waits ("walls"): when it met the first and how long it waited, when it sent each call Telegram
 * let through since, and when it met the second. A rate fits when a bucket refilling at it would
 * have had a token for every call admitted and none for the call that met the second wall.
 *
 * Where Telegram documents nothing it is asked both ways: the bucket refills during a wait, or
 * only once it is over. Each way gives the rates that fit (an interval, as a fuller bucket only
 * ever admits more), or none when that way cannot explain what was seen — a call admitted just
 * as a wait ended, say, rules out a bucket that was empty then.
 *
 * Pure: times in milliseconds.
 */

export interface WallInterval {
  /** The first wall's start, and its wait's end. */
  wallAt: number
  waitEnd: number
  /** Send times of the calls admitted since the wait ended, ascending. */
  admitted: readonly number[]
  /** The second wall's start. */
  nextWallAt: number
  /** The bucket's size (the first burst). */
  burst: number
}

export type Refill = 'during-wait' | 'after-wait'

export interface RateFit {
  refill: Refill
  /** The lowest and the highest rate that fit, calls per second. */
  low: number
  high: number
}

const LOWEST = 1e-4
const HIGHEST = 1e4
const STEPS = 48

/** The rates that fit under each way the bucket may refill around a wait; a way that fits none is left out. */
export function fittingRates(interval: WallInterval): RateFit[] {
  const fits: RateFit[] = []
  for (const refill of ['during-wait', 'after-wait'] as const) {
    // The part of a token the bucket held as the first wall began: most generous for the calls
    // admitted, least for the one refused.
    const admits = (rate: number): boolean => replay(interval, refill, rate, 0.999).admitted
    const refuses = (rate: number): boolean => !replay(interval, refill, rate, 0).lastHadToken
    if (!admits(HIGHEST) || !refuses(LOWEST)) continue
    const low = admits(LOWEST) ? LOWEST : bisect(admits, true)
    const high = refuses(HIGHEST) ? HIGHEST : bisect(refuses, false)
    if (low <= high) fits.push({ refill, low, high })
  }
  return fits
}

/** The boundary of a monotone predicate on a log scale: the least rate where it holds (`rising`) or the greatest. */
function bisect(holds: (rate: number) => boolean, rising: boolean): number {
  let below = Math.log(LOWEST)
  let above = Math.log(HIGHEST)
  for (let i = 0; i < STEPS; i++) {
    const middle = (below + above) / 2
    if (holds(Math.exp(middle)) === rising) above = middle
    else below = middle
  }
  return Math.exp(rising ? above : below)
}

function replay(interval: WallInterval, refill: Refill, rate: number, held: number): { admitted: boolean; lastHadToken: boolean } {
  const perMs = rate / 1000
  let tokens = refill === 'during-wait' ? Math.min(interval.burst, held + perMs * (interval.waitEnd - interval.wallAt)) : held
  let at = interval.waitEnd
  let admitted = true
  for (const sentAt of interval.admitted) {
    if (sentAt > at) tokens = Math.min(interval.burst, tokens + perMs * (sentAt - at))
    at = Math.max(at, sentAt)
    if (tokens < 1 - 1e-9) admitted = false
    tokens = Math.max(0, tokens - 1)
  }
  if (interval.nextWallAt > at) tokens = Math.min(interval.burst, tokens + perMs * (interval.nextWallAt - at))
  return { admitted, lastHadToken: tokens >= 1 - 1e-9 }
}
