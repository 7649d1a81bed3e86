/**
 * The behaviour of the session lease that every store shares (test/sessions/lease-*.test.ts
 * run it against files, s3rver, and s3rver behind a proxy that enforces conditional writes).
 * Time is a ManualClock: renewals and expiries happen when a test moves it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { acquireLease } from '../../src/sessions/lease.ts'
import type { LeaseLog, LeaseOptions, SessionLease } from '../../src/sessions/lease.ts'
import { encodeLease, parseLease } from '../../src/sessions/lease-document.ts'
import type { LeaseDocument } from '../../src/sessions/lease-document.ts'
import type { LeaseIdentity } from '../../src/sessions/lease-identity.ts'
import type { LeaseStore } from '../../src/sessions/lease-store.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { ManualClock } from './manual-clock.ts'

export const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
export const TTL = 30_000
export const RENEW = 10_000

export interface LogEntry {
  level: 'info' | 'warn' | 'error'
  obj: object
  msg: string | undefined
}

export function recordingLog(): LeaseLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at = (level: LogEntry['level']) => (obj: object, msg?: string): void => {
    entries.push({ level, obj, msg })
  }
  return { entries, info: at('info'), warn: at('warn'), error: at('error') }
}

/** An identity in a pid space of its own, so that pids never decide between test instances. */
export function testIdentity(pid: number, overrides: Partial<LeaseIdentity> = {}): LeaseIdentity {
  return { hostname: 'test-host', pid, pidScope: 'test-scope', isAlive: () => true, ...overrides }
}

export function leaseOptions(holder: string, clock: ManualClock, extra: Partial<LeaseOptions> = {}): LeaseOptions {
  return { holder, ttlMs: TTL, renewEveryMs: RENEW, wait: false, clock, identity: testIdentity(100), ...extra }
}

export async function locked(promise: Promise<unknown>): Promise<SessionStoreError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof SessionStoreError, `expected a SessionStoreError, got ${String(err)}`)
    return err
  }
  assert.fail('expected the lease to be refused')
}

export async function storedLease(store: LeaseStore): Promise<LeaseDocument | null> {
  const found = await store.readVersioned('.lock')
  return found === null ? null : parseLease(found.data)
}

export function expiredLease(holder: string): Buffer {
  return encodeLease({
    holder,
    pid: 7,
    hostname: 'gone-host',
    expiresAt: new Date(T0 - 1).toISOString(),
    acquiredAt: new Date(T0 - TTL - 1).toISOString(),
    pidScope: null,
    token: 'f'.repeat(32),
  })
}

function lostSignal(): { onLost: (error: SessionStoreError) => void, lost: Promise<SessionStoreError> } {
  let onLost!: (error: SessionStoreError) => void
  const lost = new Promise<SessionStoreError>((resolve) => {
    onLost = resolve
  })
  return { onLost, lost }
}

/**
 * `freshStore` gives a store over an empty location; `enforced` says whether the store makes
 * two racing writers fail (only then are races tested).
 */
export function leaseContract(freshStore: () => LeaseStore, { enforced }: { enforced: boolean }): void {
  test('a second instance is refused with SESSION_LOCKED, naming the holder and the end of its lease', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const first = await acquireLease(store, leaseOptions('instance-a', clock))
    const err = await locked(acquireLease(store, leaseOptions('instance-b', clock)))
    assert.equal(err.code, 'SESSION_LOCKED')
    assert.ok(err.message.includes(`in use by instance-a (its lease runs until ${new Date(T0 + TTL).toISOString()}`), err.message)
    assert.ok(err.message.includes(store.describe()))
    assert.equal((await storedLease(store))?.holder, 'instance-a')
    await first.release()
  })

  test('the stored lease names the holder, its process and its expiry', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { identity: testIdentity(4321, { hostname: 'box-1' }) }))
    const stored = await storedLease(store)
    assert.ok(stored !== null)
    assert.equal(lease.holder, 'instance-a')
    assert.deepEqual(
      { holder: stored.holder, pid: stored.pid, hostname: stored.hostname, expiresAt: stored.expiresAt, acquiredAt: stored.acquiredAt, pidScope: stored.pidScope },
      { holder: 'instance-a', pid: 4321, hostname: 'box-1', expiresAt: '2025-07-01T12:00:30.000Z', acquiredAt: '2025-07-01T12:00:00.000Z', pidScope: 'test-scope' },
    )
    assert.match(stored.token, /^[0-9a-f]{32}$/)
    await lease.release()
  })

  test('the holder defaults to the host name and pid', async () => {
    const store = freshStore()
    const lease = await acquireLease(store, { ...leaseOptions('unused', new ManualClock(T0), { identity: testIdentity(77, { hostname: 'box-2' }) }), holder: undefined })
    assert.equal(lease.holder, 'box-2:77')
    await lease.release()
  })

  test('releasing the lease removes it and lets the next instance in', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const first = await acquireLease(store, leaseOptions('instance-a', clock))
    await first.release()
    assert.equal(await store.readVersioned('.lock'), null)
    assert.equal(clock.sleeping, 0, 'the renewal timer stops at release')
    await first.release()
    const second = await acquireLease(store, leaseOptions('instance-b', clock))
    assert.equal((await storedLease(store))?.holder, 'instance-b')
    await second.release()
  })

  test('renewal keeps the lease alive past its first expiry', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const lease = await acquireLease(store, leaseOptions('instance-a', clock))
    for (let round = 1; round <= 5; round++) {
      clock.advance(RENEW)
      await clock.whenSleepingUntil(clock.now() + RENEW)
      assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + round * RENEW + TTL).toISOString())
    }
    // 50 s after the start, 20 s past the first lease's end.
    const err = await locked(acquireLease(store, leaseOptions('instance-b', clock)))
    assert.equal(err.code, 'SESSION_LOCKED')
    await lease.release()
  })

  test('an expired lease is taken over, and its former holder learns that it lost the lease', async () => {
    const store = freshStore()
    const clockA = new ManualClock(T0)
    const { onLost, lost } = lostSignal()
    const first = await acquireLease(store, leaseOptions('instance-a', clockA, { onLost }))
    // Instance A stalls: its clock does not move, it does not renew; B comes after the lease ended.
    const log = recordingLog()
    const clockB = new ManualClock(T0 + TTL)
    const second = await acquireLease(store, leaseOptions('instance-b', clockB, { log }))
    assert.equal((await storedLease(store))?.holder, 'instance-b')
    const takeover = log.entries.find((entry) => entry.msg?.startsWith('took over'))
    assert.deepEqual(takeover?.obj, { store: store.describe(), previousHolder: 'instance-a', previousExpiresAt: new Date(T0 + TTL).toISOString(), reason: 'expired' })
    clockA.advance(RENEW)
    const err = await lost
    assert.equal(err.code, 'SESSION_LEASE_LOST')
    assert.match(err.message, /instance-b holds it now/)
    await first.release()
    assert.equal((await storedLease(store))?.holder, 'instance-b', "releasing a lost lease leaves the new holder's lease alone")
    await second.release()
  })

  test('a holder whose lease object was removed learns that it lost the lease', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const { onLost, lost } = lostSignal()
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost }))
    const found = await store.readVersioned('.lock')
    assert.ok(found !== null && (await store.removeIfVersion('.lock', found.version)))
    clock.advance(RENEW)
    const err = await lost
    assert.equal(err.code, 'SESSION_LEASE_LOST')
    assert.match(err.message, /it was removed from the store/)
    await lease.release()
  })

  test('an instance polling at the moment the holder renews never slips in', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const losses: string[] = []
    const first = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => losses.push(err.message) }))
    const taken: { lease?: SessionLease } = {}
    const waiting = acquireLease(store, leaseOptions('instance-b', clock, { wait: true, pollMs: RENEW })).then((lease) => {
      taken.lease = lease
    })
    const slippedIn = waiting.then(() => {
      throw new Error('instance-b took the lease while instance-a was renewing it')
    })
    for (let round = 1; round <= 10; round++) {
      // The renewal and the poll fall due together.
      await Promise.race([clock.whenSleepingUntil(clock.now() + RENEW, 2), slippedIn])
      clock.advance(RENEW)
    }
    await Promise.race([clock.whenSleepingUntil(clock.now() + RENEW, 2), slippedIn])
    assert.deepEqual(losses, [])
    assert.equal(taken.lease === undefined, true, 'instance-b is still waiting')
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 10 * RENEW + TTL).toISOString())
    await first.release()
    slippedIn.catch(() => {})
    clock.advance(RENEW)
    await waiting
    assert.equal(taken.lease?.holder, 'instance-b')
    await taken.lease?.release()
  })

  test('a holder that renews late, with nobody having taken its lease, keeps it', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const losses: string[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => losses.push(err.message) }))
    // Stalled for 22 of the lease's 30 seconds, short of its give-up time (25 s): it renews in place.
    clock.advance(22_000)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.deepEqual(losses, [])
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 22_000 + TTL).toISOString())
    await lease.release()
    assert.equal(await store.readVersioned('.lock'), null)
  })

  test('a waiting instance takes the lease once the holder releases it', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const first = await acquireLease(store, leaseOptions('instance-a', clock))
    const waiting = acquireLease(store, leaseOptions('instance-b', clock, { wait: true, pollMs: 500, log }))
    // A's renewal timer and B's poll.
    await clock.whenSleeping(2)
    const announcement = log.entries.find((entry) => entry.level === 'info')
    assert.deepEqual(announcement?.obj, { store: store.describe(), holder: 'instance-a', expiresAt: new Date(T0 + TTL).toISOString(), waitSeconds: null, waitUntil: null })
    await first.release()
    clock.advance(500)
    const second = await waiting
    assert.equal(second.holder, 'instance-b')
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 500 + TTL).toISOString())
    await second.release()
  })

  test('waiting gives up with SESSION_LOCKED when the wait time runs out', async () => {
    const store = freshStore()
    const clock = new ManualClock(T0)
    const first = await acquireLease(store, leaseOptions('instance-a', clock))
    const waiting = locked(acquireLease(store, leaseOptions('instance-b', clock, { wait: 2_400, pollMs: 1_000 })))
    for (const step of [1_000, 1_000, 400]) {
      await clock.whenSleeping(2)
      clock.advance(step)
    }
    const err = await waiting
    assert.equal(err.code, 'SESSION_LOCKED')
    assert.match(err.message, /in use by instance-a .*gave up after waiting 2 s$/)
    await first.release()
  })

  test('a lease object that is not a lease document does not block the session for good', async () => {
    const store = freshStore()
    assert.ok((await store.createIfAbsent('.lock', Buffer.from('not json'))) !== null)
    const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0)))
    assert.equal((await storedLease(store))?.holder, 'instance-a')
    await lease.release()
  })

  test('the conditional writes refuse stale versions and existing objects', async () => {
    const store = freshStore()
    const created = await store.createIfAbsent('.lock', Buffer.from('one'))
    assert.ok(created !== null)
    assert.equal(await store.createIfAbsent('.lock', Buffer.from('two')), null)
    const replaced = await store.replaceIfVersion('.lock', Buffer.from('three'), created)
    assert.ok(replaced !== null && replaced !== created)
    assert.equal(await store.replaceIfVersion('.lock', Buffer.from('four'), created), null)
    assert.equal(await store.removeIfVersion('.lock', created), false)
    assert.deepEqual((await store.readVersioned('.lock'))?.data, Buffer.from('three'))
    assert.equal(await store.removeIfVersion('.lock', replaced), true)
    assert.equal(await store.readVersioned('.lock'), null)
    assert.equal(await store.replaceIfVersion('.lock', Buffer.from('five'), replaced), null)
    assert.equal(await store.renewIfVersion('.lock', Buffer.from('five'), replaced), null)
    assert.equal(await store.removeIfVersion('.lock', replaced), true)
    const again = await store.createIfAbsent('.lock', Buffer.from('six'))
    assert.ok(again !== null)
    const renewed = await store.renewIfVersion('.lock', Buffer.from('seven'), again)
    assert.ok(renewed !== null && renewed !== again)
    assert.equal(await store.renewIfVersion('.lock', Buffer.from('eight'), again), null)
    assert.deepEqual((await store.readVersioned('.lock'))?.data, Buffer.from('seven'))
    assert.equal(await store.removeIfVersion('.lock', renewed), true)
  })

  test('of two instances starting at once on a free store, exactly one takes the lease', { skip: enforced ? false : 'the store does not enforce conditional writes' }, async () => {
    await exactlyOneWins(freshStore(), null)
  })

  test('of two instances taking over the same expired lease at once, exactly one wins', { skip: enforced ? false : 'the store does not enforce conditional writes' }, async () => {
    await exactlyOneWins(freshStore(), expiredLease('instance-gone'))
  })
}

async function exactlyOneWins(store: LeaseStore, existing: Buffer | null): Promise<void> {
  for (let round = 0; round < 5; round++) {
    if (existing !== null) assert.ok((await store.createIfAbsent('.lock', existing)) !== null)
    const clock = new ManualClock(T0)
    const outcomes = await Promise.allSettled(['racer-a', 'racer-b'].map((holder) => acquireLease(store, leaseOptions(holder, clock))))
    const winners = outcomes.filter((outcome): outcome is PromiseFulfilledResult<SessionLease> => outcome.status === 'fulfilled')
    assert.equal(winners.length, 1, `round ${round}: ${outcomes.map((outcome) => outcome.status).join(', ')}`)
    const loser = outcomes.find((outcome) => outcome.status === 'rejected')
    assert.equal((loser?.reason as SessionStoreError).code, 'SESSION_LOCKED')
    assert.equal((await storedLease(store))?.holder, winners[0]!.value.holder)
    await winners[0]!.value.release()
    assert.equal(await store.readVersioned('.lock'), null)
  }
}
