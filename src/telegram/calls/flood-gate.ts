/**
 * Telegram's flood waits belong to the account, not to the call that met one
 * (https://core.telegram.org/api/errors#420-flood): `FLOOD_WAIT_X` on a method means no call of
 * that method for X seconds. The gate is the account's one view of that, shared by every request
 * for the life of the process:
 *
 * - a wait holds every call of its method until it is over, and none is sent meanwhile; a caller
 *   that will not wait that long (`maxWaitSeconds`) is refused at once with FLOOD_WAIT;
 * - it paces each method from what the waits taught it (./flood-pacer.ts), so long reads meet
 *   few waits, and what it learned can be kept with the session (`limits`, `onLearned`);
 * - it lets as many calls of a method be in flight at once as the limits allow: while a method
 *   has met no wait, two, then four (up to `maxConcurrency`) as calls come back; one at
 *   a time from its first wait until its pace is learned (a call in flight when a wait begins
 *   reaches Telegram during it); then as many as keep up that pace.
 *
 * Callers are served in arrival order per method.
 */
import type { Clock } from '../../core/clock.ts'
import { AppError, floodWait } from '../../core/errors.ts'
import { FloodPacer, type LearnedLimit } from './flood-pacer.ts'

export interface FloodGateOptions {
  clock: Clock
  log?: { info(obj: object, msg?: string): void } | undefined
  /** Calls of one method in flight at once, at most (default 4). */
  maxConcurrency?: number | undefined
  /** What an earlier process learned of the account's limits, per method. */
  limits?: Readonly<Record<string, LearnedLimit>> | undefined
  /** Told when a wait has taught the gate something new about a method's limit. */
  onLearned?: (() => void) | undefined
}

export interface GateRequest {
  /** The longest wait worth sitting through now, seconds; read again whenever a wait is running. */
  maxWaitSeconds: () => number
  /** Gives up waiting (the caller went away, the service stops): the acquire rejects with its reason. */
  signal?: AbortSignal | undefined
  /** Told of each flood wait this caller is held by (once per wait), before it waits. */
  onWait?: ((wait: HeldWait) => void) | undefined
}

/** A flood wait a caller sits through. */
export interface HeldWait {
  method: string
  /** Seconds left of it when the caller met it. */
  seconds: number
}

/** A call the gate let through; `done` reports how it went, exactly once. */
export interface GatePass {
  /** `floodWaitSeconds`: Telegram's answer was FLOOD_WAIT_X; null or absent: anything else. */
  done(floodWaitSeconds?: number | null): void
}

interface Waiter {
  request: GateRequest
  /** The wait (its end) this waiter was last told of. */
  toldOf: number
  resolve(pass: GatePass): void
  reject(err: unknown): void
}

interface MethodState {
  /** When the running flood wait ends, ms (0: none). */
  blockedUntil: number
  inFlight: number
  waiters: Waiter[]
  pacer: FloodPacer
  /** Smoothed time a call takes, ms. */
  latencyMs: number
  /** The pending wake-up, if any. */
  wake: { at: number; cancel: AbortController } | null
  /** A pump is due once the answers that came in together are all recorded. */
  pumpQueued: boolean
  /** Calls let through so far; those let through before the last wall was known were in flight at it. */
  granted: number
  grantedBeforeWall: number
}

const DEFAULT_MAX_CONCURRENCY = 4

export class FloodGate {
  readonly #clock: Clock
  readonly #log: FloodGateOptions['log']
  readonly #maxConcurrency: number
  readonly #onLearned: (() => void) | undefined
  readonly #methods = new Map<string, MethodState>()

  constructor(options: FloodGateOptions) {
    this.#clock = options.clock
    this.#log = options.log
    this.#maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY
    this.#onLearned = options.onLearned
    for (const [method, limit] of Object.entries(options.limits ?? {})) this.#state(method).pacer = FloodPacer.from(limit)
  }

  /** Milliseconds until calls of `method` may be sent again (0: now). */
  blockedFor(method: string): number {
    const state = this.#methods.get(method)
    return state === undefined ? 0 : Math.max(0, state.blockedUntil - this.#clock.now())
  }

  /** What the gate has learned of `method`, for logs and tests. */
  describe(method: string): { blockedForMs: number; pacePerSecond: number | null; learned: boolean; waits: number } {
    const state = this.#methods.get(method)
    return { blockedForMs: this.blockedFor(method), pacePerSecond: state?.pacer.pace ?? null, learned: state?.pacer.learned ?? false, waits: state?.pacer.walls ?? 0 }
  }

  /** What was learned of every method that met a wait, to keep with the session. */
  limits(): Record<string, LearnedLimit> {
    const now = this.#clock.now()
    const limits: Record<string, LearnedLimit> = {}
    for (const [method, state] of this.#methods) {
      const limit = state.pacer.snapshot(now)
      if (limit !== null) limits[method] = limit
    }
    return limits
  }

  /**
   * Resolves when one call of `method` may be sent. Rejects with FLOOD_WAIT (Retry-After: the
   * seconds left) when the wait running would take longer than the caller's `maxWaitSeconds`,
   * and with the signal's reason when it is aborted.
   */
  acquire(method: string, request: GateRequest): Promise<GatePass> {
    const state = this.#state(method)
    return new Promise<GatePass>((resolve, reject) => {
      if (request.signal?.aborted) return reject(request.signal.reason)
      const waiter: Waiter = { request, toldOf: 0, resolve, reject }
      const onAbort = (): void => {
        const index = state.waiters.indexOf(waiter)
        if (index < 0) return
        state.waiters.splice(index, 1)
        reject(request.signal!.reason)
        this.#pump(method, state)
      }
      request.signal?.addEventListener('abort', onAbort, { once: true })
      const settle = <T>(fn: (value: T) => void) => (value: T): void => {
        request.signal?.removeEventListener('abort', onAbort)
        fn(value)
      }
      waiter.resolve = settle(resolve)
      waiter.reject = settle(reject)
      state.waiters.push(waiter)
      this.#pump(method, state)
    })
  }

  #state(method: string): MethodState {
    let state = this.#methods.get(method)
    if (state === undefined) {
      state = { blockedUntil: 0, inFlight: 0, waiters: [], pacer: new FloodPacer(), latencyMs: 0, wake: null, pumpQueued: false, granted: 0, grantedBeforeWall: 0 }
      this.#methods.set(method, state)
    }
    return state
  }

  /** Lets through whoever may go now, refuses whoever will not wait, and wakes up when that changes. */
  #pump(method: string, state: MethodState): void {
    const now = this.#clock.now()
    if (state.blockedUntil > now) {
      this.#holdOrRefuse(method, state, state.blockedUntil - now)
      if (state.waiters.length > 0) this.#wakeAt(method, state, state.blockedUntil)
      return
    }
    while (state.waiters.length > 0 && state.inFlight < this.#concurrency(state)) {
      // Pacing is ours, not Telegram's: it delays calls and refuses none.
      const delay = state.pacer.delay(now)
      if (delay > 0) {
        this.#wakeAt(method, state, now + delay)
        return
      }
      this.#grant(method, state, state.waiters.shift()!, now)
    }
  }

  #holdOrRefuse(method: string, state: MethodState, waitMs: number): void {
    state.waiters = state.waiters.filter((waiter) => {
      if (waitMs > waiter.request.maxWaitSeconds() * 1000) {
        waiter.reject(floodWait(Math.ceil(waitMs / 1000)))
        return false
      }
      if (waiter.toldOf !== state.blockedUntil) {
        waiter.toldOf = state.blockedUntil
        waiter.request.onWait?.({ method, seconds: Math.ceil(waitMs / 1000) })
      }
      return true
    })
  }

  #grant(method: string, state: MethodState, waiter: Waiter, now: number): void {
    state.pacer.take(now)
    state.inFlight++
    const call = state.granted++
    let finished = false
    waiter.resolve({
      done: (floodWaitSeconds) => {
        if (finished) return
        finished = true
        state.inFlight--
        const end = this.#clock.now()
        state.latencyMs = state.latencyMs === 0 ? end - now : state.latencyMs * 0.8 + (end - now) * 0.2
        if (floodWaitSeconds === null || floodWaitSeconds === undefined) state.pacer.admitted(now, call < state.grantedBeforeWall)
        else this.#recordWait(method, state, floodWaitSeconds, now)
        this.#pumpSoon(method, state)
      },
    })
  }

  /**
   * Answers that arrive together are all recorded before anyone is let through, so that a call
   * is never sent on the strength of an answer while the wait another one brought is unread.
   */
  #pumpSoon(method: string, state: MethodState): void {
    if (state.pumpQueued) return
    state.pumpQueued = true
    setImmediate(() => {
      state.pumpQueued = false
      this.#pump(method, state)
    })
  }

  /** A call sent at `sentAt` met FLOOD_WAIT_`seconds`. */
  #recordWait(method: string, state: MethodState, seconds: number, sentAt: number): void {
    const now = this.#clock.now()
    // FLOOD_WAIT_0 still means "not right now".
    const until = now + Math.max(1, seconds) * 1000
    if (until <= state.blockedUntil) return
    const pacer = state.pacer
    const before = { pace: pacer.pace, learned: pacer.learned }
    // A call that was in flight when the wait began reports it again: one wait, not two.
    const newWall = state.blockedUntil <= sentAt
    state.blockedUntil = until
    if (!newWall) return
    pacer.wall(sentAt, until - sentAt)
    // What comes back of the calls in flight now was sent before this wall was known.
    state.grantedBeforeWall = state.granted
    const pace = pacer.pace
    this.#log?.info(
      {
        method,
        seconds: Math.max(1, seconds),
        waiting: state.waiters.length,
        ...(pace === null ? {} : { pacedPerSecond: Number(pace.toFixed(3)), learned: pacer.learned }),
      },
      `Telegram flood wait: no ${method} for ${Math.max(1, seconds)} s; its calls wait`,
    )
    if (pace !== before.pace || pacer.learned !== before.learned) this.#onLearned?.()
  }

  #concurrency(state: MethodState): number {
    const pacer = state.pacer
    // No wait yet: 2, then 4, … as calls come back.
    if (pacer.pace === null) return Math.min(this.#maxConcurrency, 2 ** (pacer.admittedTotal + 1))
    if (!pacer.learned || state.latencyMs === 0) return 1
    // Calls in flight that keep up the learned pace: pace × time per call.
    return Math.max(1, Math.min(this.#maxConcurrency, Math.ceil((pacer.pace * state.latencyMs) / 1000)))
  }

  #wakeAt(method: string, state: MethodState, at: number): void {
    if (state.wake !== null && state.wake.at <= at) return
    state.wake?.cancel.abort()
    const cancel = new AbortController()
    state.wake = { at, cancel }
    void this.#clock.sleep(Math.max(0, at - this.#clock.now()), { signal: cancel.signal, keepAlive: false }).then(() => {
      if (cancel.signal.aborted) return
      state.wake = null
      this.#pump(method, state)
    })
  }
}

/** The gate refused a call: Telegram (or the pacing) asks for a longer wait than the caller allows. */
export function isGateRefusal(err: unknown): err is AppError {
  return err instanceof AppError && err.code === 'FLOOD_WAIT'
}
