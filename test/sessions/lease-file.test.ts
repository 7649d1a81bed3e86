import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadConfig } from '../../src/config.ts'
import { acquireLease, serviceLeaseOptions } from '../../src/sessions/lease.ts'
import { encodeLease } from '../../src/sessions/lease-document.ts'
import { localIdentity } from '../../src/sessions/lease-identity.ts'
import type { LeaseStore } from '../../src/sessions/lease-store.ts'
import type { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { RENEW, T0, TTL, leaseContract, leaseOptions, locked, recordingLog, storedLease, testIdentity } from '../helpers/lease-contract.ts'
import { ManualClock } from '../helpers/manual-clock.ts'

describe('session lease in a file store', () => {
  let root = ''
  let counter = 0
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lease-file-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })
  const freshPath = (): string => join(root, `case-${++counter}`, 'session')

  leaseContract(() => new FileStore(freshPath()), { enforced: true })

  test('the lock is a 0600 file beside the session, and nothing else is left there', async () => {
    const path = freshPath()
    const store = new FileStore(path)
    const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0)))
    assert.equal((await stat(`${path}.lock`)).mode & 0o777, 0o600)
    assert.equal(JSON.parse(await readFile(`${path}.lock`, 'utf8')).holder, 'instance-a')
    assert.deepEqual(await readdir(join(path, '..')), ['session.lock'])
    await lease.release()
    assert.deepEqual(await readdir(join(path, '..')), [])
  })

  test('a lease whose process is gone on this host is taken over before it expires', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    await acquireLease(store, leaseOptions('crashed', clock, { identity: testIdentity(4242) }))
    // Same host and pid space; pid 4242 no longer runs. The crashed holder's timer is left behind, never advanced.
    const log = recordingLog()
    const identity = testIdentity(5000, { isAlive: (pid) => pid !== 4242 })
    const lease = await acquireLease(store, leaseOptions('instance-b', clock, { identity, log }))
    assert.equal((await storedLease(store))?.holder, 'instance-b')
    assert.equal((log.entries.find((entry) => entry.msg?.startsWith('took over'))?.obj as { reason?: string }).reason, 'holder-gone')
    await lease.release()
  })

  test('a pid seen from another host or pid namespace says nothing: that lease is waited for', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const first = await acquireLease(store, leaseOptions('other-container', clock, { identity: testIdentity(1, { pidScope: 'namespace-1' }) }))
    const deadEverywhere = { isAlive: () => false }
    for (const identity of [
      testIdentity(2, { pidScope: 'namespace-2', ...deadEverywhere }),
      testIdentity(2, { hostname: 'other-host', pidScope: 'namespace-1', ...deadEverywhere }),
      testIdentity(2, { pidScope: null, ...deadEverywhere }),
    ]) {
      assert.equal((await locked(acquireLease(store, leaseOptions('instance-b', clock, { identity })))).code, 'SESSION_LOCKED')
    }
    await first.release()
  })

  test('the local identity finds a running process alive and an exited one gone', () => {
    const identity = localIdentity()
    assert.equal(identity.pid, process.pid)
    assert.equal(identity.isAlive(process.pid), true)
    const exited = spawnSync(process.execPath, ['-e', '']).pid
    assert.ok(exited !== undefined)
    assert.equal(identity.isAlive(exited), false)
    if (process.platform === 'linux') assert.match(identity.pidScope ?? '', /^[0-9a-f-]{36}\/pid:\[\d+\]$/)
  })

  test('a renewal that fails before the lease expires is retried, not reported as a loss', async () => {
    const files = new FileStore(freshPath())
    let failing = false
    const store: LeaseStore = {
      describe: () => files.describe(),
      readVersioned: (name) => files.readVersioned(name),
      createIfAbsent: (name, data) => files.createIfAbsent(name, data),
      replaceIfVersion: (name, data, version) => failing
        ? Promise.reject(new Error('store down'))
        : files.replaceIfVersion(name, data, version),
      renewIfVersion: (name, data, version) => failing
        ? Promise.reject(new Error('store down'))
        : files.renewIfVersion(name, data, version),
      removeIfVersion: (name, version) => files.removeIfVersion(name, version),
      enforcesConditions: () => files.enforcesConditions(),
    }
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const lost: string[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { log, onLost: (err) => lost.push(err.code) }))
    failing = true
    clock.advance(RENEW)
    await clock.whenSleeping(1)
    clock.advance(RENEW)
    await clock.whenSleeping(1)
    assert.deepEqual(lost, [])
    assert.equal(log.entries.filter((entry) => entry.msg === 'could not renew the session lease: retrying').length, 2)
    failing = false
    clock.advance(RENEW)
    await clock.whenSleeping(1)
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 3 * RENEW + TTL).toISOString())
    assert.deepEqual(lost, [])
    await lease.release()
  })

  test('a renewal still failing when the lease expires is reported as a loss', async () => {
    const files = new FileStore(freshPath())
    const store: LeaseStore = {
      describe: () => files.describe(),
      readVersioned: (name) => files.readVersioned(name),
      createIfAbsent: (name, data) => files.createIfAbsent(name, data),
      replaceIfVersion: () => Promise.reject(new Error('store down')),
      renewIfVersion: () => Promise.reject(new Error('store down')),
      removeIfVersion: (name, version) => files.removeIfVersion(name, version),
      enforcesConditions: () => files.enforcesConditions(),
    }
    const clock = new ManualClock(T0)
    const losses: SessionStoreError[] = []
    let reportLoss!: () => void
    const reported = new Promise<void>((resolve) => {
      reportLoss = resolve
    })
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, {
      onLost: (err) => {
        losses.push(err)
        reportLoss()
      },
    }))
    for (let round = 0; round < 2; round++) {
      clock.advance(RENEW)
      await clock.whenSleeping(1)
    }
    assert.equal(losses.length, 0)
    // The third renewal falls on the lease's end.
    clock.advance(RENEW)
    await reported
    assert.equal(losses.length, 1)
    assert.equal(losses[0]!.code, 'SESSION_LEASE_LOST')
    assert.match(losses[0]!.message, /it expired at 2025-07-01T12:00:30.000Z while the store could not be written/)
    assert.equal(clock.sleeping, 0, 'a lost lease is no longer renewed')
    await lease.release()
    assert.notEqual(await store.readVersioned('.lock'), null, 'a lost lease is not removed: it may be someone else\'s by now')
  })

  test('SESSION_LOCK_WAIT is how long the service waits for a held lease: still waiting a millisecond before, refused at the time', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const holder = await acquireLease(store, leaseOptions('instance-a', clock))
    const config = loadConfig({ SESSION_LOCK_WAIT: '2' })
    const log = recordingLog()
    let settled = false
    const waiting = locked(acquireLease(store, { ...serviceLeaseOptions(config.sessionLockWaitSeconds, { log, clock }), identity: testIdentity(200) }))
      .finally(() => {
        settled = true
      })
    await clock.whenSleeping(2)
    assert.deepEqual(log.entries.find((entry) => entry.level === 'info')?.obj, {
      store: store.describe(), holder: 'instance-a', expiresAt: new Date(T0 + TTL).toISOString(), waitSeconds: 2, waitUntil: new Date(T0 + 2_000).toISOString(),
    })
    clock.advance(1_000)
    await clock.whenSleeping(2)
    clock.advance(999)
    await clock.whenSleeping(2)
    assert.equal(settled, false, 'still waiting at 1.999 s')
    clock.advance(1)
    const err = await waiting
    assert.equal(err.code, 'SESSION_LOCKED')
    assert.match(err.message, /gave up after waiting 2 s$/)
    await holder.release()
  })

  test('a lease with impossible timings is refused before touching the store', async () => {
    const store = new FileStore(freshPath())
    await assert.rejects(acquireLease(store, { ...leaseOptions('a', new ManualClock(T0)), ttlMs: 1000, renewEveryMs: 1000 }), RangeError)
    assert.equal(await store.readVersioned('.lock'), null)
  })

  test('a lock file written by hand with a future expiry is respected', async () => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('.lock', encodeLease({
      holder: 'manual', pid: 1, hostname: 'elsewhere', expiresAt: new Date(T0 + 1000).toISOString(), acquiredAt: new Date(T0).toISOString(), pidScope: null, token: 'a'.repeat(32),
    }))
    assert.equal((await locked(acquireLease(store, leaseOptions('instance-b', new ManualClock(T0))))).code, 'SESSION_LOCKED')
    const lease = await acquireLease(store, leaseOptions('instance-b', new ManualClock(T0 + 1000)))
    await lease.release()
  })
})
