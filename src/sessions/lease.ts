/**
 * One live copy of a session. Telegram revokes an auth key that two connections use at once
 * (AUTH_KEY_DUPLICATED), so a second instance pointed at the same store must not connect while
 * the first runs. The first holds a lease in the store (sibling object '.lock'), renews it
 * while it runs, and removes it at a clean shutdown; a holder that dies stops renewing, and its
 * lease can be taken once it expires (or at once, from the same host, when its pid is gone).
 *
 * Every step is a conditional write (LeaseStore): of two instances creating, renewing or
 * taking over the same lease, exactly one succeeds. A holder whose renewal fails that way has
 * lost the lease and is told through `onLost`: it must disconnect. So is a holder that could not
 * renew by its give-up time (the store down, hanging or full), a margin before the lease can
 * be taken over: it must be off the session before anyone else may be on it.
 */
import { randomBytes } from 'node:crypto'
import { systemClock } from '../core/clock.ts'
import type { Clock } from '../core/clock.ts'
import { encodeLease, leaseStanding, parseLease } from './lease-document.ts'
import type { LeaseDocument } from './lease-document.ts'
import { holderName, localIdentity } from './lease-identity.ts'
import type { LeaseIdentity } from './lease-identity.ts'
import type { LeaseStore } from './lease-store.ts'
import type { LeaseTiming } from './lease-timing.ts'
import { SessionStoreError } from './session-store-error.ts'

export interface SessionLease {
  /** Stops renewing and removes the lease from the store; never throws (an unremoved lease expires). */
  release(): Promise<void>
  readonly holder: string
  /**
   * Resolves while this instance still holds the lease: not released, not lost, unexpired by
   * the lease clock, and the lease in the store is still this one. Otherwise it throws
   * SESSION_LEASE_LOST (and reports the loss through `onLost` once). Every session write asks
   * first (src/sessions/fenced-store.ts).
   */
  assertHeld(): Promise<void>
}

export interface LeaseLog {
  debug?(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface LeaseOptions {
  /** The name other instances see in their "in use by" message; default "<hostname>:<pid>". */
  holder?: string | undefined
  /** How long a lease lives without renewal. */
  ttlMs: number
  /** How often the holder renews; well under ttlMs, so that a renewal can fail and be retried. */
  renewEveryMs: number
  /**
   * How long before its lease expires a holder that could not renew it gives up (reports the
   * loss through `onLost`), so that it has stopped using the session before anyone else may take
   * it; default renewEveryMs / 2. Covers the clocks of two hosts disagreeing and the time to stop.
   */
  giveUpBeforeMs?: number | undefined
  /** How soon a failed renewal is tried again (default pollMs). */
  retryMs?: number | undefined
  /** false: refuse at once when the session is in use; true: wait until it is free; a number: wait at most that many ms. */
  wait: boolean | number
  /** How often a waiting instance looks again (default 1 s, or renewEveryMs when shorter). */
  pollMs?: number | undefined
  /** Called once when the lease is lost while held; the holder must then stop using the session. */
  onLost?: ((error: SessionStoreError) => void) | undefined
  log?: LeaseLog | undefined
  clock?: Clock | undefined
  identity?: LeaseIdentity | undefined
  /** The store object that holds the lease (default '.lock': `<path>.lock`, `<key>.lock`). */
  name?: string | undefined
}

export const LEASE_OBJECT = '.lock'

/**
 * The lease a program takes (src/startup.ts): its timing from SESSION_LEASE_TTL
 * (src/sessions/lease-timing.ts); the service waits SESSION_LOCK_WAIT seconds for another holder
 * to go before giving up, a terminal command (`false`) not at all.
 */
export function serviceLeaseOptions(timing: LeaseTiming, lockWaitSeconds: number | false, rest: Pick<LeaseOptions, 'log' | 'onLost' | 'clock'>): LeaseOptions {
  return { ttlMs: timing.ttlMs, renewEveryMs: timing.renewEveryMs, giveUpBeforeMs: timing.giveUpBeforeMs, wait: lockWaitSeconds === false ? false : lockWaitSeconds * 1000, ...rest }
}

/** Immediate retries after losing a race for a lease that just changed, before waiting a poll interval. */
const RACE_RETRIES = 3

const silentLog: LeaseLog = { info: () => {}, warn: () => {}, error: () => {} }

/**
 * Takes the session's lease, waiting for it when `wait` allows. Throws a SessionStoreError:
 * SESSION_LOCKED when another instance holds it (naming that instance and when its lease ends),
 * or the store's own error when the store cannot be used.
 */
export async function acquireLease(store: LeaseStore, options: LeaseOptions): Promise<SessionLease> {
  const settings = settle(options)
  const { clock, log } = settings
  if (!(await store.enforcesConditions())) {
    log.warn({ store: store.describe() }, 'the session store does not enforce conditional writes (If-None-Match / If-Match): two instances starting at the same moment could both take the session lease')
  }
  const startedAt = clock.now()
  const deadline = options.wait === true ? Infinity : options.wait === false ? startedAt : startedAt + options.wait
  let announced = false
  let races = 0
  for (;;) {
    const attempt = await tryAcquire(store, settings)
    if (attempt.acquired) return new StoreLease(store, settings, attempt.document, attempt.version)
    if (attempt.raced && races++ < RACE_RETRIES) continue
    races = 0
    const now = clock.now()
    if (now >= deadline) throw lockedError(store, attempt.current, options.wait === false ? null : now - startedAt)
    if (!announced) {
      announced = true
      log.info({
        store: store.describe(),
        holder: attempt.current?.holder,
        expiresAt: attempt.current?.expiresAt,
        waitSeconds: deadline === Infinity ? null : (deadline - startedAt) / 1000,
        waitUntil: deadline === Infinity ? null : new Date(deadline).toISOString(),
      }, 'the session is in use by another instance: waiting for its lease')
    }
    await clock.sleep(Math.min(settings.pollMs, deadline - now), { keepAlive: true })
  }
}

interface Settings {
  holder: string
  ttlMs: number
  renewEveryMs: number
  giveUpBeforeMs: number
  retryMs: number
  pollMs: number
  onLost: ((error: SessionStoreError) => void) | undefined
  log: LeaseLog
  clock: Clock
  identity: LeaseIdentity
  name: string
}

function settle(options: LeaseOptions): Settings {
  const { ttlMs, renewEveryMs } = options
  if (!(ttlMs > 0) || !(renewEveryMs > 0) || renewEveryMs >= ttlMs) {
    throw new RangeError(`a lease needs 0 < renewEveryMs < ttlMs, got renewEveryMs ${renewEveryMs} and ttlMs ${ttlMs}`)
  }
  if (typeof options.wait === 'number' && !(options.wait >= 0)) throw new RangeError(`wait must be a boolean or a number of ms >= 0, got ${options.wait}`)
  const giveUpBeforeMs = options.giveUpBeforeMs ?? renewEveryMs / 2
  if (!(giveUpBeforeMs >= 0) || giveUpBeforeMs >= ttlMs - renewEveryMs) {
    throw new RangeError(`a lease needs 0 <= giveUpBeforeMs < ttlMs - renewEveryMs, got giveUpBeforeMs ${giveUpBeforeMs}`)
  }
  const identity = options.identity ?? localIdentity()
  const pollMs = options.pollMs ?? Math.min(1000, renewEveryMs)
  return {
    holder: options.holder ?? holderName(identity),
    ttlMs,
    renewEveryMs,
    giveUpBeforeMs,
    retryMs: options.retryMs ?? pollMs,
    pollMs,
    onLost: options.onLost,
    log: options.log ?? silentLog,
    clock: options.clock ?? systemClock,
    identity,
    name: options.name ?? LEASE_OBJECT,
  }
}

type Attempt =
  | { acquired: true, document: LeaseDocument, version: string }
  /** `current` is the lease in the way (null: unknown); `raced`: the store changed under us, look again. */
  | { acquired: false, current: LeaseDocument | null, raced: boolean }

async function tryAcquire(store: LeaseStore, settings: Settings): Promise<Attempt> {
  const { clock, identity, name, log } = settings
  const found = await store.readVersioned(name)
  const now = clock.now()
  const document = newDocument(settings, now)
  if (found === null) {
    const version = await store.createIfAbsent(name, encodeLease(document))
    return version === null ? { acquired: false, current: null, raced: true } : { acquired: true, document, version }
  }
  const current = parseLease(found.data)
  const standing = leaseStanding(current, now, identity)
  if (!standing.free) return { acquired: false, current, raced: false }
  const version = await store.replaceIfVersion(name, encodeLease(document), found.version)
  if (version === null) return { acquired: false, current, raced: true }
  log.warn({ store: store.describe(), previousHolder: current?.holder, previousExpiresAt: current?.expiresAt, reason: standing.reason }, 'took over a session lease its holder did not release')
  return { acquired: true, document, version }
}

function newDocument(settings: Settings, now: number): LeaseDocument {
  const { identity } = settings
  return {
    holder: settings.holder,
    pid: identity.pid,
    hostname: identity.hostname,
    expiresAt: new Date(now + settings.ttlMs).toISOString(),
    acquiredAt: new Date(now).toISOString(),
    pidScope: identity.pidScope,
    token: randomBytes(16).toString('hex'),
  }
}

function lockedError(store: LeaseStore, current: LeaseDocument | null, waitedMs: number | null): SessionStoreError {
  const who = current === null ? 'another instance' : `${current.holder} (its lease runs until ${current.expiresAt} and is renewed while it runs)`
  const waited = waitedMs === null ? '' : `; gave up after waiting ${Math.round(waitedMs / 1000)} s`
  return new SessionStoreError('SESSION_LOCKED', `the session at ${store.describe()} is in use by ${who}: a second connection would make Telegram revoke its auth key, so stop the other instance first${waited}`)
}

/**
 * A held lease: renewed on a timer until released or lost. One loop watches it: it starts a
 * renewal when one falls due (sooner again after a failure) and, whether or not a renewal is
 * still waiting on the store, gives the lease up `giveUpBeforeMs` before it expires unrenewed.
 */
class StoreLease implements SessionLease {
  readonly holder: string
  readonly #store: LeaseStore
  readonly #settings: Settings
  readonly #stop = new AbortController()
  #document: LeaseDocument
  #version: string
  /** Why the lease was lost, or null while it is held. */
  #lostWhy: string | null = null
  #released = false
  /** Renewals one after the other: two at once would race each other for the same version. */
  #renewal: Promise<void> = Promise.resolve()
  /** The renewal the loop started and still waits for, or null. */
  #inFlight: Promise<void> | null = null
  /** Wakes the loop from its sleep: its renewal ended, or the lease was released or lost. */
  #wake = new AbortController()
  /** Failed renewals since the last that succeeded: one warning per outage, not one per attempt. */
  #outage: { since: number, attempts: number } | null = null
  #watching: Promise<void>
  #releasing: Promise<void> | undefined

  constructor(store: LeaseStore, settings: Settings, document: LeaseDocument, version: string) {
    this.holder = settings.holder
    this.#store = store
    this.#settings = settings
    this.#document = document
    this.#version = version
    this.#watching = this.#watch()
  }

  /** When the lease ends unless renewed, in ms since the epoch. */
  get expiresAt(): number {
    return Date.parse(this.#document.expiresAt)
  }

  /** When a holder that has not renewed by then stops. */
  get #giveUpAt(): number {
    return this.expiresAt - this.#settings.giveUpBeforeMs
  }

  release(): Promise<void> {
    this.#releasing ??= this.#release()
    return this.#releasing
  }

  async assertHeld(): Promise<void> {
    if (this.#released) throw this.#lostError('it was released')
    const { clock, name } = this.#settings
    // Back from a pause past the lease's end (a stalled process, a suspended host): renew the
    // exclusive way first, as the timer would on waking; it fails if another instance took over.
    if (this.#lostWhy === null && clock.now() >= this.expiresAt) await this.#renewSerially()
    if (this.#lostWhy !== null) throw this.#lostError(this.#lostWhy)
    const found = await this.#store.readVersioned(name)
    // The token stays the same across renewals, so a renewal in flight is still this lease.
    if (found !== null && parseLease(found.data)?.token === this.#document.token) return
    const why = found === null ? 'it was removed from the store' : `${parseLease(found.data)?.holder ?? 'another instance'} holds it now`
    this.#lose(why)
    throw this.#lostError(why)
  }

  async #release(): Promise<void> {
    this.#released = true
    this.#stop.abort()
    this.#wake.abort()
    await this.#watching
    await this.#renewal
    if (this.#lostWhy !== null) return
    const { log, name } = this.#settings
    try {
      if (!(await this.#store.removeIfVersion(name, this.#version))) {
        log.warn({ store: this.#store.describe() }, 'the session lease had been taken over by another instance before it was released')
      }
    } catch (err) {
      log.warn({ err, store: this.#store.describe(), expiresAt: this.#document.expiresAt }, 'could not release the session lease: it stays until it expires')
    }
  }

  async #watch(): Promise<void> {
    const { clock, renewEveryMs, retryMs } = this.#settings
    const stop = this.#stop.signal
    let dueAt = clock.now() + renewEveryMs
    while (!stop.aborted && this.#lostWhy === null) {
      const now = clock.now()
      if (now >= this.#giveUpAt) {
        this.#lose(`it could not be renewed in time: it expires at ${this.#document.expiresAt}, and this instance stops before then so that it is not using the session when another may take it`)
        return
      }
      const wake = this.#wake = new AbortController()
      if (this.#inFlight === null && now >= dueAt) {
        this.#inFlight = this.#renewSerially().finally(() => {
          this.#inFlight = null
          dueAt = clock.now() + (this.#outage === null ? renewEveryMs : retryMs)
          this.#wake.abort()
        })
      }
      const wakeAt = this.#inFlight === null ? Math.min(dueAt, this.#giveUpAt) : this.#giveUpAt
      await clock.sleep(Math.max(0, wakeAt - now), { signal: wake.signal, keepAlive: false })
    }
  }

  #renewSerially(): Promise<void> {
    this.#renewal = this.#renewal.then(() => (this.#lostWhy === null && !this.#stop.signal.aborted ? this.#renew() : undefined))
    return this.#renewal
  }

  /**
   * Before its give-up time the lease is comfortably unexpired: nobody else may replace it, and
   * it is renewed in place (the object never missing, so an instance waiting for it cannot slip
   * in — not even while a full disk fails renewal after renewal). The loop never renews later
   * than that; a write after a stall past the lease's end (`assertHeld`) renews as a taker
   * would, exclusively.
   */
  async #renew(): Promise<void> {
    const { clock, ttlMs, name } = this.#settings
    const now = clock.now()
    const renewed: LeaseDocument = { ...this.#document, expiresAt: new Date(now + ttlMs).toISOString() }
    const inPlace = now < this.#giveUpAt
    let version: string | null
    try {
      version = inPlace
        ? await this.#store.renewIfVersion(name, encodeLease(renewed), this.#version)
        : await this.#store.replaceIfVersion(name, encodeLease(renewed), this.#version)
    } catch (err) {
      // Until the lease expires nobody else may take it, so a store that is down (unreachable,
      // hanging past its deadline, a full or read-only disk) is retried; the loop gives up in time.
      this.#failed(err)
      return
    }
    if (version === null) {
      const found = await this.#store.readVersioned(name).catch((err: unknown) => {
        this.#failed(err)
        return undefined
      })
      if (found === undefined) return
      const current = found === null ? null : parseLease(found.data)
      if (current?.token === this.#document.token) {
        // Our own earlier renewal, answered too late to count (past its deadline), landed after all.
        this.#renewedTo(current, found!.version)
        return
      }
      this.#lose(found === null ? 'it was removed from the store' : `${current?.holder ?? 'another instance'} holds it now`)
      return
    }
    this.#renewedTo(renewed, version)
  }

  #renewedTo(document: LeaseDocument, version: string): void {
    this.#document = document
    this.#version = version
    if (this.#outage !== null) {
      const { since, attempts } = this.#outage
      this.#outage = null
      this.#settings.log.info({ store: this.#store.describe(), failedAttempts: attempts, since: new Date(since).toISOString() }, 'the session lease is renewed again')
    }
  }

  #failed(err: unknown): void {
    const { clock, log } = this.#settings
    const reason = { message: (err as Error)?.message ?? String(err), code: (err as { code?: unknown })?.code }
    if (this.#outage === null) {
      this.#outage = { since: clock.now(), attempts: 1 }
      log.warn({ err: reason, store: this.#store.describe(), expiresAt: this.#document.expiresAt, giveUpAt: new Date(this.#giveUpAt).toISOString() }, 'could not renew the session lease: retrying until it is renewed or the lease runs out')
      return
    }
    this.#outage.attempts++
    log.debug?.({ err: reason, attempts: this.#outage.attempts }, 'could not renew the session lease: retrying')
  }

  #lostError(why: string, cause?: unknown): SessionStoreError {
    return new SessionStoreError('SESSION_LEASE_LOST', `the lease on the session at ${this.#store.describe()} was lost (${why}): this instance must stop using the session`, { cause })
  }

  /** Marks the lease lost and tells `onLost`, once. */
  #lose(why: string, cause?: unknown): void {
    if (this.#lostWhy !== null) return
    this.#lostWhy = why
    this.#wake.abort()
    const error = this.#lostError(why, cause)
    const { onLost, log } = this.#settings
    if (onLost === undefined) {
      log.error({ code: error.code }, error.message)
      return
    }
    try {
      onLost(error)
    } catch (err) {
      log.error({ err }, 'the handler for a lost session lease failed')
    }
  }
}
