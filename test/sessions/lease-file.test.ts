import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { constants } from 'node:fs'
import { mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadConfig } from '../../src/config/config.ts'
import { acquireLease, serviceLeaseOptions } from '../../src/sessions/lease.ts'
import { leaseTiming } from '../../src/sessions/lease-timing.ts'
import { encodeLease } from '../../src/sessions/lease-document.ts'
import { localIdentity } from '../../src/sessions/lease-identity.ts'
import type { LeaseStore } from '../../src/sessions/lease-store.ts'
import type { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { RENEW, T0, TTL, leaseContract, leaseOptions, locked, recordingLog, storedLease, testIdentity } from '../helpers/lease-contract.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { waitUntil } from '../helpers/wait-until.ts'

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

  /** The file store, with its renewals failing while `failing()` says so. */
  function failingRenewals(failing: () => boolean): LeaseStore {
    const files = new FileStore(freshPath())
    return {
      describe: () => files.describe(),
      readVersioned: (name) => files.readVersioned(name),
      createIfAbsent: (name, data) => files.createIfAbsent(name, data),
      replaceIfVersion: (name, data, version) => failing()
        ? Promise.reject(new Error('store down'))
        : files.replaceIfVersion(name, data, version),
      renewIfVersion: (name, data, version) => failing()
        ? Promise.reject(new Error('store down'))
        : files.renewIfVersion(name, data, version),
      removeIfVersion: (name, version) => files.removeIfVersion(name, version),
      enforcesConditions: () => files.enforcesConditions(),
    }
  }

  test('a renewal that fails is retried every second, with one warning for the outage, and not reported as a loss', async () => {
    let failing = false
    const store = failingRenewals(() => failing)
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const lost: string[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { log, onLost: (err) => lost.push(err.code) }))
    failing = true
    clock.advance(RENEW)
    await clock.whenSleepingUntil(clock.now() + 1000)
    for (let attempt = 2; attempt <= 10; attempt++) {
      clock.advance(1000)
      await clock.whenSleepingUntil(clock.now() + 1000)
    }
    assert.deepEqual(lost, [])
    const warnings = log.entries.filter((entry) => entry.level === 'warn')
    assert.deepEqual(warnings.map((entry) => entry.msg), ['could not renew the session lease: retrying until it is renewed or the lease runs out'])
    assert.equal((warnings[0]!.obj as { giveUpAt: string }).giveUpAt, new Date(T0 + TTL - RENEW / 2).toISOString())
    failing = false
    clock.advance(1000)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 20_000 + TTL).toISOString())
    const recovered = log.entries.find((entry) => entry.msg === 'the session lease is renewed again')
    assert.deepEqual(recovered?.obj, { store: store.describe(), failedAttempts: 10, since: new Date(T0 + RENEW).toISOString() })
    assert.deepEqual(lost, [])
    await lease.release()
  })

  test('a holder that cannot renew gives up before its lease expires, and leaves the lease in the store', async () => {
    const store = failingRenewals(() => true)
    const clock = new ManualClock(T0)
    const losses: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => losses.push(err) }))
    clock.advance(RENEW)
    await clock.whenSleepingUntil(clock.now() + 1000)
    // Retried every second up to the give-up time, 5 s before the lease's end.
    while (clock.now() < T0 + TTL - RENEW / 2 - 1000) {
      clock.advance(1000)
      await clock.whenSleepingUntil(clock.now() + 1000)
    }
    assert.equal(losses.length, 0)
    clock.advance(1000)
    await waitUntil(() => losses.length > 0, 'the lease is given up')
    assert.equal(clock.now(), T0 + 25_000)
    assert.equal(losses[0]!.code, 'SESSION_LEASE_LOST')
    assert.match(losses[0]!.message, /could not be renewed in time: it expires at 2025-07-01T12:00:30.000Z/)
    await waitUntil(() => clock.sleeping === 0, 'renewals stop')
    await lease.release()
    assert.notEqual(await store.readVersioned('.lock'), null, 'a lease given up is not removed: it may be someone else\'s by now')
  })

  test('a holder stalled past its give-up time gives the lease up on waking, though nobody took it', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const losses: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => losses.push(err) }))
    clock.advance(26_000)
    await waitUntil(() => losses.length > 0, 'the lease is given up')
    assert.match(losses[0]!.message, /could not be renewed in time/)
    await lease.release()
  })

  test('a renewal the file system never answers: the holder gives up in time all the same', async () => {
    const path = freshPath()
    const store = new FileStore(path, { deadline: { ms: 3_600_000, clock: new ManualClock(T0) } })
    const clock = new ManualClock(T0)
    const losses: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => losses.push(err) }))
    // The lock becomes a FIFO: reading it blocks until a writer comes, as a hung mount would.
    await rm(`${path}.lock`)
    assert.equal(spawnSync('mkfifo', [`${path}.lock`]).status, 0)
    try {
      clock.advance(RENEW)
      await clock.whenSleepingUntil(T0 + TTL - RENEW / 2)
      clock.advance(TTL - RENEW / 2 - RENEW)
      await waitUntil(() => losses.length > 0, 'the lease is given up')
      assert.match(losses[0]!.message, /could not be renewed in time/)
    } finally {
      // Unblocks the read still waiting in the thread pool: a writer comes, a plain file takes
      // the FIFO's name (so that no later read blocks), and the writer leaves (end of file).
      const writer = await open(`${path}.lock`, constants.O_WRONLY | constants.O_NONBLOCK)
      await writeFile(`${path}.unblocked`, 'not a lease')
      await rename(`${path}.unblocked`, `${path}.lock`)
      await writer.close()
    }
    await lease.release()
  })

  test('SESSION_LOCK_WAIT is how long the service waits for a held lease: still waiting a millisecond before, refused at the time', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const holder = await acquireLease(store, leaseOptions('instance-a', clock))
    const config = loadConfig({ SESSION_LOCK_WAIT: '2' })
    const log = recordingLog()
    let settled = false
    const waiting = locked(acquireLease(store, { ...serviceLeaseOptions(leaseTiming(config.sessionLeaseTtlSeconds), config.sessionLockWaitSeconds, { log, clock }), identity: testIdentity(200) }))
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
