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
import { systemClock } from '../core/clock.ts'
import type { Clock } from '../core/clock.ts'
import { encodeLease, leaseStanding, parseLease } from './lease-document.ts'
import { StoreLease, newDocument, type LeaseLog, type LeaseSettings, type SessionLease } from './held-lease.ts'
import type { LeaseDocument } from './lease-document.ts'
import { holderName, localIdentity } from './lease-identity.ts'
import type { LeaseIdentity } from './lease-identity.ts'
import type { LeaseStore } from './lease-store.ts'
import type { LeaseTiming } from './lease-timing.ts'
import { SessionStoreError } from './session-store-error.ts'

export type { LeaseLog, SessionLease } from './held-lease.ts'

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

function settle(options: LeaseOptions): LeaseSettings {
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

async function tryAcquire(store: LeaseStore, settings: LeaseSettings): Promise<Attempt> {
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

function lockedError(store: LeaseStore, current: LeaseDocument | null, waitedMs: number | null): SessionStoreError {
  const who = current === null ? 'another instance' : `${current.holder} (its lease runs until ${current.expiresAt} and is renewed while it runs)`
  const waited = waitedMs === null ? '' : `; gave up after waiting ${Math.round(waitedMs / 1000)} s`
  return new SessionStoreError('SESSION_LOCKED', `the session at ${store.describe()} is in use by ${who}: a second connection would make Telegram revoke its auth key, so stop the other instance first${waited}`)
}
