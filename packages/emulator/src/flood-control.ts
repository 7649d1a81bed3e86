/**
 * Telegram's flood control, as clients meet it (https://core.telegram.org/api/errors#420-flood):
 * each account may call each method at a limited rate, and a call past the limit is answered
 * `420 FLOOD_WAIT_X` — "no call of this method for X seconds". Telegram publishes no numbers, so
 * the limits here are set per method (or '*') by whoever runs the emulator.
 *
 * A limit is a token bucket per account and method: `burst` calls at once, refilled at
 * `perSecond` (the bucket keeps refilling during a wait). A call on an empty bucket starts a wait
 * of `penaltySeconds`; a call during a wait is answered with the seconds left, and with
 * `extendWaitOnEarlyCalls` it restarts the penalty (Telegram answers clients that keep pushing
 * with longer waits), so a client that retries early is both counted and punished.
 *
 * Time is the emulator's injected clock, so tests drive waits with a manual clock.
 */
import { RpcError } from './rpc/rpc-error.ts'

export interface RateLimit {
  /** Calls allowed at once, on a full bucket. */
  burst: number
  /** Calls the bucket regains per second. */
  perSecond: number
  /** The wait imposed on a call that finds the bucket empty, seconds. */
  penaltySeconds: number
}

/** `method` is a TL method name (`messages.getHistory`) or '*': every method but auth.* and help.*. */
export interface RateRule extends RateLimit {
  method: string
}

/** Methods a '*' rule leaves alone: signing in and the connection's own set-up calls. */
const EXEMPT_FROM_ANY = /^(auth|help)\./

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date, ms. */
  at: number
  /** The running wait's end, ms (0: none). */
  waitUntil: number
}

interface MethodCounts {
  waits: number
  callsDuringWait: number
}

/**
 * What flood control has done, per method: waits imposed (a call found the bucket empty) and
 * calls that arrived while a wait was running (each answered with the seconds left). A client
 * that honours every wait keeps the second at zero.
 */
export class FloodCounters {
  private readonly perMethod = new Map<string, MethodCounts>()

  waits(method: string): number {
    return this.perMethod.get(method)?.waits ?? 0
  }

  callsDuringWait(method: string): number {
    return this.perMethod.get(method)?.callsDuringWait ?? 0
  }

  get totalWaits(): number {
    let sum = 0
    for (const entry of this.perMethod.values()) sum += entry.waits
    return sum
  }

  get totalCallsDuringWait(): number {
    let sum = 0
    for (const entry of this.perMethod.values()) sum += entry.callsDuringWait
    return sum
  }

  reset(): void {
    this.perMethod.clear()
  }

  /** `{method: {waits, callsDuringWait}}` for every method flood control has answered. */
  toJSON(): Record<string, MethodCounts> {
    return Object.fromEntries([...this.perMethod].map(([method, counts]) => [method, { ...counts }]))
  }

  /** @internal */
  count(method: string, what: keyof MethodCounts): void {
    let entry = this.perMethod.get(method)
    if (entry === undefined) {
      entry = { waits: 0, callsDuringWait: 0 }
      this.perMethod.set(method, entry)
    }
    entry[what]++
  }
}

export class FloodControl {
  readonly counters = new FloodCounters()
  /** Calls during a wait restart its penalty. */
  extendWaitOnEarlyCalls = false
  private readonly rules = new Map<string, RateLimit>()
  private readonly buckets = new Map<string, Bucket>()

  /** `clock`: milliseconds since the epoch. */
  private readonly clock: () => number

  constructor(clock: () => number, rules: readonly RateRule[] = []) {
    this.clock = clock
    for (const rule of rules) this.setRate(rule.method, rule)
  }

  /** Limits `method` ('*': every method without a rule of its own, but auth.* and help.*). */
  setRate(method: string, limit: RateLimit): this {
    validateLimit(method, limit)
    this.rules.set(method, { burst: limit.burst, perSecond: limit.perSecond, penaltySeconds: limit.penaltySeconds })
    this.forget(method)
    return this
  }

  /** Lifts the limit of one method ('*' included), or every limit; their buckets are forgotten. */
  clearRates(method?: string): void {
    if (method === undefined) {
      this.rules.clear()
      this.buckets.clear()
      return
    }
    this.rules.delete(method)
    this.forget(method)
  }

  /** The rules in force, for printing. */
  get rates(): RateRule[] {
    return [...this.rules].map(([method, limit]) => ({ method, ...limit }))
  }

  /**
   * One call of `method` by `account` arrives: null when it may be answered, else the
   * FLOOD_WAIT error to answer it with.
   */
  admit(account: string, method: string): RpcError | null {
    const limit = this.limitFor(method)
    if (limit === undefined) return null
    const now = this.clock()
    const key = `${account}\u0000${method}`
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, at: now, waitUntil: 0 }
      this.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond)
    bucket.at = now

    if (now < bucket.waitUntil) {
      this.counters.count(method, 'callsDuringWait')
      if (this.extendWaitOnEarlyCalls) bucket.waitUntil = now + limit.penaltySeconds * 1000
      return floodWait(bucket.waitUntil - now)
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return null
    }
    this.counters.count(method, 'waits')
    bucket.waitUntil = now + limit.penaltySeconds * 1000
    return floodWait(limit.penaltySeconds * 1000)
  }

  private limitFor(method: string): RateLimit | undefined {
    return this.rules.get(method) ?? (EXEMPT_FROM_ANY.test(method) ? undefined : this.rules.get('*'))
  }

  private forget(method: string): void {
    for (const key of this.buckets.keys()) {
      if (method === '*' || key.endsWith(`\u0000${method}`)) this.buckets.delete(key)
    }
  }
}

/** 420 FLOOD_WAIT_<seconds>, the seconds rounded up: a client that waits them is never early. */
function floodWait(ms: number): RpcError {
  return new RpcError(420, `FLOOD_WAIT_${Math.max(1, Math.ceil(ms / 1000))}`)
}

function validateLimit(method: string, limit: RateLimit): void {
  if (!(method === '*' || /^[a-zA-Z][\w.]*$/.test(method))) throw new RangeError(`not a method name: ${method}`)
  if (!Number.isInteger(limit.burst) || limit.burst < 1) throw new RangeError('burst must be a positive integer')
  if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) throw new RangeError('perSecond must be a positive number')
  if (!Number.isInteger(limit.penaltySeconds) || limit.penaltySeconds < 1) throw new RangeError('penaltySeconds must be a positive integer')
}

/**
 * `METHOD:BURST:PER_SECOND:PENALTY_SECONDS`, as the emulator's --rate option takes it
 * (`messages.getHistory:30:1:15`, `*:50:2:10`); null when it is not one.
 */
export function parseRateRule(text: string): RateRule | null {
  const parts = text.split(':')
  if (parts.length !== 4) return null
  const [method, burst, perSecond, penalty] = parts as [string, string, string, string]
  const rule: RateRule = { method, burst: Number(burst), perSecond: Number(perSecond), penaltySeconds: Number(penalty) }
  if (burst.trim() === '' || perSecond.trim() === '' || penalty.trim() === '') return null
  try {
    validateLimit(rule.method, rule)
  } catch {
    return null
  }
  return rule
}
