/**
 * Telegram's flood control, as clients meet it (https://core.telegram.org/api/errors#420-flood):
 * each account may call each method at a limited rate, and a call past the limit is answered
 * `420 FLOOD_WAIT_X` — "no call of this method for X seconds". Telegram publishes no numbers,
 * so the limits here are set per method (or '*') by whoever runs the emulator, and what Telegram
 * leaves unsaid is a knob (./flood-semantics.ts): whether the bucket refills during a wait,
 * whether early calls extend it, how long waits are, buckets shared by a group of methods, and
 * limits that change mid-read.
 *
 * A limit is a token bucket per account and method (or group): `burst` calls at once, refilled
 * at `perSecond`. A call on an empty bucket starts a wait for its method; a call of that method
 * during the wait is answered with the seconds left (and counted).
 *
 * Time is the emulator's injected clock, so tests drive waits with a manual clock.
 */
import { RpcError } from './rpc/rpc-error.ts'
import { semanticsOf, WaitLengths, type FloodSemantics } from './flood-semantics.ts'

export interface RateLimit {
  /** Calls allowed at once, on a full bucket. */
  burst: number
  /** Calls the bucket regains per second. */
  perSecond: number
  /** The wait imposed on a call that finds the bucket empty, seconds (before `waitLength` changes it). */
  penaltySeconds: number
}

/**
 * `method` is a TL method name (`messages.getHistory`) or '*': every method but auth.* and help.*.
 * Rules that name the same `group` spend one bucket per account (each its own waits).
 */
export interface RateRule extends RateLimit {
  method: string
  group?: string
}

/** Methods a '*' rule leaves alone: signing in and the connection's own set-up calls. */
const EXEMPT_FROM_ANY = /^(auth|help)\./

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date, ms. */
  at: number
  /** With refill 'after-wait': no refill before this, ms. */
  pausedUntil: number
}

interface MethodWait {
  /** When it ends, ms. */
  until: number
  /** Its length when it began, ms (an extension restarts it). */
  ms: number
  /** How many penalties it was ('growing'). */
  growth: number
  /** When its refusal was answered (ms by `sentClock`): from then on the client can know of it; null before. */
  announcedAt: number | null
}

interface MethodCounts {
  waits: number
  callsDuringWait: number
  callsInFlightAtWait: number
}

/**
 * What flood control has done, per method: waits imposed (a call found the bucket empty), calls
 * that arrived while a wait ran and were sent after its refusal had been answered (by a client
 * that could know of it: one that honours every wait keeps this at zero), and calls that arrived
 * while a wait ran but were sent before its refusal went out (in flight as it began, or sent
 * before the client could read it: the client could not know). A call's send time is its msg_id.
 */
export class FloodCounters {
  private readonly perMethod = new Map<string, MethodCounts>()

  waits(method: string): number {
    return this.perMethod.get(method)?.waits ?? 0
  }

  callsDuringWait(method: string): number {
    return this.perMethod.get(method)?.callsDuringWait ?? 0
  }

  callsInFlightAtWait(method: string): number {
    return this.perMethod.get(method)?.callsInFlightAtWait ?? 0
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

  /** `{method: {waits, callsDuringWait, callsInFlightAtWait}}` for every method flood control has answered. */
  toJSON(): Record<string, MethodCounts> {
    return Object.fromEntries([...this.perMethod].map(([method, counts]) => [method, { ...counts }]))
  }

  /** @internal */
  count(method: string, what: keyof MethodCounts): void {
    let entry = this.perMethod.get(method)
    if (entry === undefined) {
      entry = { waits: 0, callsDuringWait: 0, callsInFlightAtWait: 0 }
      this.perMethod.set(method, entry)
    }
    entry[what]++
  }
}

export class FloodControl {
  readonly counters = new FloodCounters()
  readonly semantics: FloodSemantics
  readonly #rules = new Map<string, RateRule>()
  /** Tokens per account and bucket (a group, or a method alone). */
  readonly #buckets = new Map<string, Bucket>()
  /** The running wait per account and method. */
  readonly #waits = new Map<string, MethodWait>()
  /** Refusals not yet answered, by the wait they belong to. */
  readonly #pending = new WeakMap<RpcError, MethodWait>()
  #scheduled: Array<{ atMs: number; rule: RateRule }> = []
  readonly #lengths: WaitLengths

  /**
   * `clock`: milliseconds since the epoch, that buckets refill and waits run by. `sentClock`: the
   * one a call's send time (its msg_id) is told in, to which a refusal's answer is timed.
   */
  private readonly clock: () => number
  private readonly sentClock: () => number

  constructor(
    clock: () => number,
    rules: readonly RateRule[] = [],
    semantics: Partial<FloodSemantics> = {},
    sentClock: () => number = Date.now,
  ) {
    this.clock = clock
    this.sentClock = sentClock
    this.semantics = semanticsOf(semantics)
    this.#lengths = new WaitLengths(this.semantics)
    for (const rule of rules) this.setRate(rule.method, rule)
  }

  /** Calls during a wait restart its penalty (`semantics.earlyCalls === 'extend'`). */
  get extendWaitOnEarlyCalls(): boolean {
    return this.semantics.earlyCalls === 'extend'
  }

  set extendWaitOnEarlyCalls(extend: boolean) {
    this.semantics.earlyCalls = extend ? 'extend' : 'ignored'
  }

  /** Limits `method` ('*': every method without a rule of its own, but auth.* and help.*); its buckets start full. */
  setRate(method: string, limit: RateLimit & { group?: string | undefined }): this {
    const rule = ruleOf(method, limit)
    this.#rules.set(method, rule)
    this.#forget(rule)
    return this
  }

  /**
   * Changes `method`'s limit while clients use it: its buckets keep what they hold (down to the
   * new burst), and refill at the new rate from now on.
   */
  changeRate(method: string, limit: RateLimit & { group?: string | undefined }, at = this.clock()): this {
    const now = at
    const old = this.#rules.get(method)
    if (old !== undefined) for (const [key, bucket] of this.#buckets) if (key.endsWith(`\u0000${bucketName(old)}`)) this.#refill(bucket, old, now)
    const rule = ruleOf(method, limit)
    this.#rules.set(method, rule)
    for (const [key, bucket] of this.#buckets) if (key.endsWith(`\u0000${bucketName(rule)}`)) bucket.tokens = Math.min(bucket.tokens, rule.burst)
    return this
  }

  /** `changeRate(rule.method, rule)` once the clock reaches `atMs` (checked as calls arrive). */
  scheduleRate(atMs: number, rule: RateRule): this {
    ruleOf(rule.method, rule)
    this.#scheduled = [...this.#scheduled, { atMs, rule }].sort((a, b) => a.atMs - b.atMs)
    return this
  }

  /** Lifts the limit of one method ('*' included), or every limit; their buckets and waits are forgotten. */
  clearRates(method?: string): void {
    if (method === undefined) {
      this.#rules.clear()
      this.#buckets.clear()
      this.#waits.clear()
      this.#scheduled = []
      return
    }
    const rule = this.#rules.get(method)
    this.#rules.delete(method)
    if (rule !== undefined) this.#forget(rule)
  }

  /** The rules in force, for printing. */
  get rates(): RateRule[] {
    return [...this.#rules.values()].map((rule) => ({ ...rule }))
  }

  /**
   * One call of `method` by `account` arrives, sent at `sentAt` (by `sentClock`, when known): null
   * when it may be answered, else the FLOOD_WAIT error to answer it with (hand it to `answered`
   * as it goes out).
   */
  admit(account: string, method: string, sentAt?: number): RpcError | null {
    const now = this.clock()
    this.#applyScheduled(now)
    const rule = this.#ruleFor(method)
    if (rule === undefined) return null
    const bucketKey = `${account}\u0000${bucketName(rule)}`
    let bucket = this.#buckets.get(bucketKey)
    if (bucket === undefined) {
      bucket = { tokens: rule.burst, at: now, pausedUntil: 0 }
      this.#buckets.set(bucketKey, bucket)
    }
    this.#refill(bucket, rule, now)

    const waitKey = `${account}\u0000${method}`
    const wait = this.#waits.get(waitKey)
    if (wait !== undefined && now < wait.until) {
      // Sent before the refusal went out, the client could not have known of the wait.
      const known = wait.announcedAt !== null && (sentAt === undefined || sentAt >= wait.announcedAt)
      this.counters.count(method, known ? 'callsDuringWait' : 'callsInFlightAtWait')
      if (this.semantics.earlyCalls === 'extend') this.#extend(wait, bucket, now + wait.ms)
      return this.#refusal(wait, wait.until - now)
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return null
    }
    this.counters.count(method, 'waits')
    const previous = wait === undefined ? null : { growth: wait.growth, endedAt: wait.until }
    const length = this.#lengths.next(rule.penaltySeconds * 1000, now, previous)
    const next: MethodWait = { until: 0, ms: length.ms, growth: length.growth, announcedAt: null }
    this.#waits.set(waitKey, next)
    this.#extend(next, bucket, now + length.ms)
    return this.#refusal(next, length.ms)
  }

  /**
   * A refusal `admit` gave is being sent: from now on the client can know of its wait, and a
   * call of the method that arrives while it runs was sent during it.
   */
  answered(refusal: RpcError): void {
    const wait = this.#pending.get(refusal)
    if (wait !== undefined && wait.announcedAt === null) wait.announcedAt = this.sentClock()
  }

  #refusal(wait: MethodWait, ms: number): RpcError {
    const error = floodWait(ms)
    this.#pending.set(error, wait)
    return error
  }

  #extend(wait: MethodWait, bucket: Bucket, until: number): void {
    wait.until = Math.max(wait.until, until)
    if (this.semantics.refill === 'after-wait') bucket.pausedUntil = Math.max(bucket.pausedUntil, wait.until)
  }

  #refill(bucket: Bucket, rule: RateRule, now: number): void {
    // After-wait: nothing is regained while a wait of the bucket runs.
    const from = Math.max(bucket.at, bucket.pausedUntil)
    if (now > from) bucket.tokens = Math.min(rule.burst, bucket.tokens + ((now - from) / 1000) * rule.perSecond)
    bucket.at = Math.max(bucket.at, now)
  }

  #applyScheduled(now: number): void {
    while (this.#scheduled.length > 0 && this.#scheduled[0]!.atMs <= now) {
      const { atMs, rule } = this.#scheduled.shift()!
      this.changeRate(rule.method, rule, atMs)
    }
  }

  #ruleFor(method: string): RateRule | undefined {
    return this.#rules.get(method) ?? (EXEMPT_FROM_ANY.test(method) ? undefined : this.#rules.get('*'))
  }

  #forget(rule: RateRule): void {
    const name = bucketName(rule)
    for (const key of this.#buckets.keys()) if (rule.method === '*' || key.endsWith(`\u0000${name}`)) this.#buckets.delete(key)
    for (const key of this.#waits.keys()) if (rule.method === '*' || key.endsWith(`\u0000${rule.method}`)) this.#waits.delete(key)
  }
}

/** The bucket a rule spends: its group's, or its method's own. */
function bucketName(rule: RateRule): string {
  return rule.group === undefined ? rule.method : `group:${rule.group}`
}

function ruleOf(method: string, limit: RateLimit & { group?: string | undefined }): RateRule {
  validateLimit(method, limit)
  if (limit.group !== undefined && !/^[\w.-]+$/.test(limit.group)) throw new RangeError(`not a group name: ${limit.group}`)
  return { method, burst: limit.burst, perSecond: limit.perSecond, penaltySeconds: limit.penaltySeconds, ...(limit.group === undefined ? {} : { group: limit.group }) }
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
 * `METHOD:BURST:PER_SECOND:PENALTY_SECONDS[:GROUP]`, as the emulator's --rate option takes it
 * (`messages.getHistory:30:1:15`, `*:50:2:10`, `messages.getDialogs:30:1:15:reads`); null when
 * it is not one.
 */
export function parseRateRule(text: string): RateRule | null {
  const parts = text.split(':')
  if (parts.length !== 4 && parts.length !== 5) return null
  const [method, burst, perSecond, penalty, group] = parts as [string, string, string, string, string | undefined]
  if (burst.trim() === '' || perSecond.trim() === '' || penalty.trim() === '') return null
  try {
    return ruleOf(method, { burst: Number(burst), perSecond: Number(perSecond), penaltySeconds: Number(penalty), ...(group === undefined ? {} : { group }) })
  } catch {
    return null
  }
}
