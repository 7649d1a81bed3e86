/**
 * A lease once held (lease.ts takes it): renewed on a timer until released or lost, and what a
 * holder is told when it is lost. Every write here is conditional on the version last seen, so
 * a holder that meets another's write knows at once that it lost the lease.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock.ts'
import { encodeLease, parseLease } from './lease-document.ts'
import type { LeaseDocument } from './lease-document.ts'
import type { LeaseIdentity } from './lease-identity.ts'
import type { LeaseStore } from './lease-store.ts'
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

/** The lease's options, settled (lease.ts): what a held lease runs by. */
export interface LeaseSettings {
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

export function newDocument(settings: LeaseSettings, now: number): LeaseDocument {
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

/**
 * A held lease: renewed on a timer until released or lost. One loop watches it: it starts a
 * renewal when one falls due (sooner again after a failure) and, whether or not a renewal is
 * still waiting on the store, gives the lease up `giveUpBeforeMs` before it expires unrenewed.
 */
export class StoreLease implements SessionLease {
  readonly holder: string
  readonly #store: LeaseStore
  readonly #settings: LeaseSettings
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

  constructor(store: LeaseStore, settings: LeaseSettings, document: LeaseDocument, version: string) {
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
