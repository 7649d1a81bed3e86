/**
 * What one method's flood waits teach about its limit, and the pace that follows from it.
 * Telegram publishes no numbers; what a client sees is a token bucket: a burst of calls, then a
 * steady rate, then FLOOD_WAIT. Each wait ("wall") says the account's bucket was empty just then,
 * so between two walls the calls Telegram let through are what it refilled:
 *
 *   rate ≈ calls admitted between two walls ÷ the time between them
 *
 * (the count is off by at most one call at either wall, so the estimate is trusted less when it
 * rests on few calls) — unless the wait was long enough for the bucket to fill to its burst, in
 * which case the burst is taken out first: rate ≈ (admitted − burst) ÷ (time past the wait), or,
 * when too little time passed for that to say anything, the one rate sure to be safe: a burst
 * per wait. The calls admitted before the first wall are
 * the burst. Until a rate is known nothing is paced; a pace is never slower than one call per
 * five seconds (a lower estimate is more likely wrong than Telegram that slow, and a wall would
 * correct it). After that, calls are spent from
 * a bucket of our own that refills at a little under the learned rate, capped at the burst, so
 * that the account's bucket never runs dry again; a later wall (the limit changed, or the
 * estimate was high) refines the rate from the longer interval.
 *
 * Pure: time comes in as arguments (milliseconds).
 */

/** Never pace above this share of the observed rate, however many calls the estimate rests on. */
const MAX_SHARE = 0.97
/** Never below this share. */
const MIN_SHARE = 0.5
/** The count behind an estimate may be off by about this many calls. */
const COUNT_ERROR = 1.5
/** Calls per second never paced below. */
const MIN_RATE = 0.2
/** A count this close to the burst may have been a full bucket. */
const FULL_BUCKET_SHARE = 0.9

/** How much of an estimate resting on `calls` to trust: less the fewer calls it counts. */
function shareFor(calls: number): number {
  return Math.min(MAX_SHARE, Math.max(MIN_SHARE, 1 - COUNT_ERROR / calls - 0.03))
}

export class FloodPacer {
  /** Calls per second this client allows itself, or null before it has learned one. */
  rate: number | null = null
  /** Calls that may go at once after an idle spell (what the first burst let through). */
  burst = Number.POSITIVE_INFINITY
  /** Walls met so far. */
  walls = 0
  /** Calls admitted over the pacer's life. */
  admittedTotal = 0
  #tokens = 0
  #at = 0
  #admittedSinceWall = 0
  #lastWall: number | null = null
  /** When the last wall's wait ended, ms. */
  #lastWaitEnd = 0
  #lastWaitMs = 0

  /** Milliseconds until the next call may be sent (0: now). */
  delay(now: number): number {
    if (this.rate === null) return 0
    this.#refill(now)
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.rate) * 1000)
  }

  /** A call is sent now. */
  take(now: number): void {
    if (this.rate === null) return
    this.#refill(now)
    this.#tokens -= 1
  }

  /** Telegram answered a call (with anything but a flood wait): its bucket let it through. */
  admitted(): void {
    this.#admittedSinceWall++
    this.admittedTotal++
  }

  /** A flood wait of `waitMs` began at `now`: the account's bucket is empty. */
  wall(now: number, waitMs: number): void {
    this.walls++
    if (this.#lastWall === null) {
      this.burst = Math.max(1, this.#admittedSinceWall)
    } else {
      const observed = this.#observedRate(now)
      if (observed !== null) this.rate = Math.max(MIN_RATE, observed)
    }
    this.#lastWall = now
    this.#lastWaitEnd = now + waitMs
    this.#lastWaitMs = waitMs
    this.#admittedSinceWall = 0
    this.#tokens = 0
    this.#at = now
  }

  /** The rate the interval since the last wall shows, discounted for its uncertainty; null when it shows none. */
  #observedRate(now: number): number | null {
    let admitted = this.#admittedSinceWall
    let seconds = (now - this.#lastWall!) / 1000
    const waitSeconds = this.#lastWaitMs / 1000
    // Whether the bucket may have been full when the wait ended, as far as we can tell.
    const mayHaveFilled = this.rate === null ? admitted >= this.burst * FULL_BUCKET_SHARE : this.rate * waitSeconds >= this.burst * FULL_BUCKET_SHARE
    if (mayHaveFilled) {
      // What it held then says nothing of the rate.
      admitted -= this.burst
      seconds = (now - this.#lastWaitEnd) / 1000
      // It refilled a whole burst within one wait, at least.
      if (admitted < 2 || seconds < 1) return (this.burst / Math.max(1, waitSeconds)) * shareFor(this.burst)
    }
    if (admitted < 1 || seconds <= 0) return null
    return (admitted / seconds) * shareFor(admitted)
  }

  #refill(now: number): void {
    if (this.rate === null) return
    if (now > this.#at) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate)
    this.#at = Math.max(this.#at, now)
  }
}
