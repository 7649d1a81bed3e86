/**
 * What one method's flood waits teach about its limit, and the pace that follows from it.
 * Telegram publishes no numbers and no rules; what a client sees is a token bucket: a burst of
 * calls, then a steady rate, then FLOOD_WAIT. How the bucket behaves around a wait (whether it
 * refills during it, whether a call during it extends it, how long waits are, whether methods
 * share a bucket, whether the limit changes) is unknown, so nothing here depends on it:
 *
 * - The calls admitted before the first wait ("wall") are the burst (less what refilled while
 *   they went, once a rate is known).
 * - After a wall nothing is sent until the wait is over, and then calls start slowly and speed
 *   up ("slow start"): from a third of a burst per wait, ×1.3 every 4 calls, from an empty
 *   bucket of our own. Calls sent below Telegram's rate are not lost: its bucket keeps them for
 *   later (up to its burst), so the slow start costs little.
 * - The next wall ends the slow start. Between two walls Telegram let through what it refilled:
 *   the rates that fit what was seen are worked out were its bucket to refill during waits and
 *   were it to refill only after them (./flood-bounds.ts). The lowest rate that fits either way
 *   is safe and becomes the pace; when the other way's is well above it, that is tried once, and
 *   a wall at it settles on the safe one.
 * - A wall met with no call admitted since the previous one means the pace was too fast from the
 *   start: it is halved (multiplicative backoff), and the slow start begins again from there.
 * - A wall met at a learned pace (the limit went down, or the estimate was high) lowers it by a
 *   fifth to two fifths.
 *
 * Calls are spent from a bucket of our own that refills at the pace, capped at the burst, and
 * empty when a wait ends (as if Telegram's were), so a wait is never followed by a call it would
 * refuse. What was learned (`LearnedLimit`) is kept with the session, so a restart paces from
 * where the last process left off.
 *
 * Pure: time comes in as arguments (milliseconds).
 */
import { fittingRates, type RateFit } from './flood-bounds.ts'

/** The share of the lowest rate that fits that is paced at. */
const MAX_SHARE = 0.99
/** Calls per second never paced below (one a minute). */
const MIN_PACE = 1 / 60
/** The slow start speeds up by this factor... */
const SLOW_START_GROWTH = 1.3
/** ...every this many calls admitted at its pace. */
const SLOW_START_STEP = 4
/** Send times kept between two walls, for the bound that holds with a full bucket. */
const MAX_TIMES_KEPT = 4096
/** A learned pace that meets a wall goes down to at most this share of itself... */
const BACK_OFF_LEARNED = 0.8
/** ...and to at least this share. */
const BACK_OFF_LEARNED_MOST = 0.6
/** When the two readings of the rate differ by more than this factor, the higher is tried first. */
const TRY_HIGHER_ABOVE = 1.05

/** What was learned of a method's limit, as kept with the session. */
export interface LearnedLimit {
  /** Calls admitted at once after an idle spell. */
  burst: number
  /** Calls per second paced at, or null: not paced (no wall met). */
  pace: number | null
  /** Whether `pace` rests on an estimate (true) or is still a slow start (false). */
  learned: boolean
  /** The pace to fall back to should `pace` (one being tried) meet a wall, or null. */
  fallback: number | null
  /** The pacer's own bucket then, and when (ms): a restart refills it from there. */
  tokens: number
  at: number
}

export class FloodPacer {
  /** Calls per second this client allows itself, or null: unpaced. */
  pace: number | null = null
  /** The pace rests on what two walls showed (no slow start under way). */
  learned = false
  /** Calls that may go at once after an idle spell (what the first burst let through). */
  burst = Number.POSITIVE_INFINITY
  /** Walls met so far. */
  walls = 0
  /** Calls admitted over the pacer's life. */
  admittedTotal = 0
  /** The rate the last estimate showed, before its discount; null before one. */
  observedRate: number | null = null
  #tokens = 0
  #at = 0
  #admittedSinceWall = 0
  #admittedAtPace = 0
  #lastWall: number | null = null
  #lastWaitEnd = 0
  /** When the calls admitted since the last wall were sent, ms (at most MAX_TIMES_KEPT). */
  #admittedTimes: number[] = []
  /** When the first admitted call was sent, ms. */
  #firstCallAt: number | null = null
  /** The calls before the first wall and the seconds they took, until a rate says how much of them was burst. */
  #firstBurst: { calls: number; seconds: number } | null = null
  /** The pace to fall back to if the one tried meets a wall, or null. */
  #fallback: number | null = null

  /** A pacer that starts from what an earlier process learned. */
  static from(limit: LearnedLimit): FloodPacer {
    const pacer = new FloodPacer()
    pacer.burst = limit.burst
    pacer.pace = limit.pace
    pacer.learned = limit.learned
    pacer.#fallback = limit.fallback
    pacer.#tokens = limit.tokens
    pacer.#at = limit.at
    pacer.walls = limit.pace === null ? 0 : 1
    return pacer
  }

  /** What to keep with the session, or null when nothing was learned. */
  snapshot(now: number): LearnedLimit | null {
    if (!Number.isFinite(this.burst)) return null
    this.#refill(now)
    return { burst: this.burst, pace: this.pace, learned: this.learned, fallback: this.#fallback, tokens: this.#tokens, at: this.#at }
  }

  /** Milliseconds until the next call may be sent (0: now). */
  delay(now: number): number {
    if (this.pace === null) return 0
    if (now < this.#at) return this.#at - now + Math.ceil(1000 / this.pace)
    this.#refill(now)
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.pace) * 1000)
  }

  /** Tokens of our own bucket now: calls that may go without waiting. */
  available(now: number): number {
    if (this.pace === null) return Number.POSITIVE_INFINITY
    this.#refill(now)
    return now < this.#at ? 0 : this.#tokens
  }

  /** A call is sent now. */
  take(now: number): void {
    if (this.pace === null) return
    this.#refill(now)
    this.#tokens -= 1
  }

  /**
   * Telegram answered a call sent at `sentAt` (with anything but a flood wait): its bucket let it
   * through. One sent before the call that met the last wall (`beforeLastWall`) was in flight
   * then: it counts towards what came before that wall (the first's burst), not the rate after.
   */
  admitted(sentAt: number, beforeLastWall = false): void {
    if (beforeLastWall) {
      this.admittedTotal++
      if (this.walls === 1 && !this.learned) this.burst++
      return
    }
    this.#admittedSinceWall++
    this.admittedTotal++
    this.#firstCallAt ??= sentAt
    if (this.#admittedTimes.length < MAX_TIMES_KEPT) this.#admittedTimes.push(sentAt)
    if (this.pace === null || this.learned) return
    // The slow start speeds up while Telegram keeps up.
    if (++this.#admittedAtPace >= SLOW_START_STEP) {
      this.#admittedAtPace = 0
      this.pace *= SLOW_START_GROWTH
    }
  }

  /** A flood wait of `waitMs` began at `now`: the account's bucket is empty. */
  wall(now: number, waitMs: number): void {
    this.walls++
    const admitted = this.#admittedSinceWall
    if (this.pace === null && admitted > 0) {
      // The first with calls before it: they were the burst (and what refilled while they went);
      // a slow start from a third of a burst per wait.
      this.burst = admitted
      this.#firstBurst = { calls: admitted, seconds: (now - (this.#firstCallAt ?? now)) / 1000 }
      this.#slowStart(this.burst / 3 / Math.max(1, waitMs / 1000))
    } else if (this.pace === null && this.#lastWall === null) {
      // A wait before any call went through (another client spent the bucket): nothing learned yet.
    } else if (admitted === 0) {
      // Too fast from the start: back off.
      this.#slowStart((this.pace ?? 1 / Math.max(1, waitMs / 1000)) / 2)
    } else if (this.#lastWall === null) {
      // A pace restored from the session met a wall: find the limit again, from half of it.
      this.#slowStart(this.pace! / 2)
    } else if (this.learned && this.#fallback === null) {
      // A learned pace met a wall: the limit went down, or the estimate was high. Down by a fifth
      // at least, and to what the interval since the last wall shows if that is lower — but by
      // two fifths at most (an interval with idle spells in it shows less than the rate).
      const shown = this.#lowestFit(now) * MAX_SHARE
      this.pace = Math.max(MIN_PACE, this.pace! * BACK_OFF_LEARNED_MOST, Math.min(this.pace! * BACK_OFF_LEARNED, shown))
    } else {
      this.#estimate(now)
    }
    this.#lastWall = now
    this.#lastWaitEnd = now + waitMs
    this.#admittedSinceWall = 0
    this.#admittedTimes = []
    this.#admittedAtPace = 0
    this.#tokens = 0
    this.#at = now + waitMs
  }

  /**
   * Between two walls Telegram let through what it refilled: the rates that fit what was seen
   * (./flood-bounds.ts), were the bucket to refill during waits and were it to refill only after
   * them. The lowest rate that fits either way is safe, and becomes the pace; when the other
   * way's is well above it, that is tried once, and a wall at it settles on the safe one.
   */
  #estimate(now: number): void {
    const lows = this.#fits(now).map((fit) => fit.low)
    const safe = this.#lowestFit(now)
    const settled = Math.max(MIN_PACE, safe * MAX_SHARE)
    this.observedRate = safe
    this.learned = true
    // The calls before the first wall were the burst and what refilled while they went.
    if (this.#firstBurst !== null) {
      this.burst = Math.max(1, Math.round(this.#firstBurst.calls - safe * this.#firstBurst.seconds))
      this.#firstBurst = null
    }
    if (this.#fallback !== null) {
      // The pace tried met a wall: settle.
      this.pace = Math.max(this.#fallback, settled)
      this.#fallback = null
      return
    }
    const higher = Math.max(0, ...lows)
    this.pace = higher > safe * TRY_HIGHER_ABOVE ? Math.max(MIN_PACE, higher * MAX_SHARE) : settled
    this.#fallback = this.pace === settled ? null : settled
  }

  #fits(now: number): RateFit[] {
    return fittingRates({ wallAt: this.#lastWall!, waitEnd: this.#lastWaitEnd, admitted: this.#admittedTimes, nextWallAt: now, burst: this.burst })
  }

  /** The lowest rate that fits the interval since the last wall, however the bucket refills. */
  #lowestFit(now: number): number {
    const lows = this.#fits(now).map((fit) => fit.low)
    // Counted from the last wall's start, what was admitted is never above the rate, whatever the bucket did.
    const counted = this.#admittedTimes.length / Math.max(1, (now - this.#lastWall!) / 1000)
    return Math.max(counted, lows.length === 0 ? 0 : Math.min(...lows))
  }

  #slowStart(pace: number): void {
    this.pace = Math.max(MIN_PACE, pace)
    this.learned = false
    this.#fallback = null
  }

  #refill(now: number): void {
    if (this.pace === null || now <= this.#at) return
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.pace)
    this.#at = now
  }
}
