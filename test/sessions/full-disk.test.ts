/**
 * A file store on a disk that fills up or turns read-only: a real file system, a small tmpfs
 * mounted for the test (and unmounted after). Renewals of the lease fail with ENOSPC or EROFS;
 * they are retried until the disk recovers or the give-up time comes, with one warning for the
 * outage, and the lock is never deleted by a renewal that failed (renewed in place, it is
 * never missing; the exclusive replace after a stall puts the claimed lock back when it cannot
 * write the new one); the sandbox's state, saved at
 * every change, is one error for the outage too. Mounting needs root (or
 * CAP_SYS_ADMIN); where it is not permitted the tests are skipped, saying so.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, open, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../../src/sessions/file-store.ts'
import { FencedStore } from '../../src/sessions/fenced-store.ts'
import { acquireLease } from '../../src/sessions/lease.ts'
import type { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { RENEW, T0, TTL, leaseOptions, recordingLog, storedLease } from '../helpers/lease-contract.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startSandbox } from '../../src/sandbox/sandbox.ts'

const mountPoint = await mkdtemp(join(tmpdir(), 'tc-full-disk-'))
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mountPoint], { encoding: 'utf8' })
// Unmounted after the tests, and at exit should they be cut short.
if (mounted.status === 0) process.once('exit', () => spawnSync('umount', ['-l', mountPoint]))
const skip = mounted.status === 0 ? false : `mounting a small tmpfs is not permitted here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()}): a full disk cannot be made`

function remount(options: string): void {
  const result = spawnSync('mount', ['-o', `remount,${options}`, mountPoint], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
}

/** Fills the file system with one file until it refuses (ENOSPC); gives the file's path. */
async function fill(): Promise<string> {
  const path = join(mountPoint, 'filler')
  const handle = await open(path, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) await handle.write(chunk)
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC')
  } finally {
    await handle.close()
  }
  return path
}

const WARNING = 'could not renew the session lease: retrying until it is renewed or the lease runs out'

describe('a file store on a disk that fills up or turns read-only', { skip }, () => {
  let counter = 0
  const freshPath = (): string => join(mountPoint, `s${++counter}`, 'session')
  after(async () => {
    if (mounted.status === 0) spawnSync('umount', [mountPoint])
    await rm(mountPoint, { recursive: true, force: true })
  })

  /**
   * Advances one second at a time up to `until` (short of the give-up time, 25 s, whose sleep
   * is the one a renewal in flight waits on), each renewal attempt done before the next.
   */
  async function retryUntil(clock: ManualClock, until: number, check: () => Promise<void>): Promise<void> {
    while (clock.now() < until) {
      clock.advance(1000)
      await clock.whenSleepingUntil(clock.now() + 1000)
      await check()
    }
  }

  test('a full disk: renewals are retried with one warning until space comes back, and the lock stays', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const lost: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { log, onLost: (err) => lost.push(err) }))
    const held = await storedLease(store)
    const filler = await fill()
    try {
      clock.advance(RENEW)
      await clock.whenSleepingUntil(clock.now() + 1000)
      // Never missing, not even for a moment: a waiting instance could slip in.
      await retryUntil(clock, T0 + 23_000, async () => {
        assert.deepEqual(await storedLease(store), held, 'the lock is the one last written')
      })
      assert.deepEqual(lost, [])
      assert.deepEqual(log.entries.filter((entry) => entry.level === 'warn').map((entry) => entry.msg), [WARNING])
      assert.match(JSON.stringify(log.entries.find((entry) => entry.msg === WARNING)?.obj), /ENOSPC/)
    } finally {
      await rm(filler)
    }
    clock.advance(1000)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 24_000 + TTL).toISOString())
    assert.deepEqual(log.entries.find((entry) => entry.msg === 'the session lease is renewed again')?.obj, { store: store.describe(), failedAttempts: 14, since: new Date(T0 + RENEW).toISOString() })
    assert.deepEqual(lost, [])
    assert.deepEqual(await readdir(join(store.path, '..')), ['session.lock'], 'no temporary file is left')
    await lease.release()
  })

  test('a disk still full at the give-up time: the holder gives up before the lease expires, and the lock is still there', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const lost: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { onLost: (err) => lost.push(err) }))
    const held = await storedLease(store)
    const filler = await fill()
    try {
      clock.advance(RENEW)
      await clock.whenSleepingUntil(clock.now() + 1000)
      await retryUntil(clock, T0 + 24_000, async () => {})
      clock.advance(1000)
      await waitUntil(() => lost.length > 0, 'the lease is given up')
      assert.equal(lost[0]!.code, 'SESSION_LEASE_LOST')
      assert.deepEqual(await storedLease(store), held)
    } finally {
      await rm(filler)
    }
    await lease.release()
  })

  test('a read-only disk: renewals are retried with one warning until it is writable again; a session write fails whole', async () => {
    const store = new FileStore(freshPath())
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const lost: SessionStoreError[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { log, onLost: (err) => lost.push(err) }))
    const sessions = new FencedStore(store, lease, log)
    await sessions.write('', Buffer.from('session one'))
    const held = await storedLease(store)
    remount('ro')
    try {
      const err = await sessions.write('', Buffer.from('session two')).then(() => assert.fail('written on a read-only disk'), (err: SessionStoreError) => err)
      assert.equal(err.code, 'STORE_ACCESS_DENIED')
      clock.advance(RENEW)
      await clock.whenSleepingUntil(clock.now() + 1000)
      await retryUntil(clock, T0 + 22_000, async () => {
        assert.deepEqual(await storedLease(store), held)
      })
      assert.deepEqual(log.entries.filter((entry) => entry.level === 'warn').map((entry) => entry.msg), [WARNING])
    } finally {
      remount('rw')
    }
    clock.advance(1000)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.equal((await storedLease(store))?.expiresAt, new Date(T0 + 23_000 + TTL).toISOString())
    assert.deepEqual(lost, [])
    assert.deepEqual(await store.read(''), Buffer.from('session one'))
    await sessions.write('', Buffer.from('session two'))
    assert.deepEqual(await store.read(''), Buffer.from('session two'))
    await lease.release()
  })

  test('an exclusive replace that cannot write the new lock puts the old one back', async () => {
    const store = new FileStore(freshPath())
    const version = await store.createIfAbsent('.lock', Buffer.from('the lease as it was'))
    assert.ok(version !== null)
    const filler = await fill()
    try {
      const err = await store.replaceIfVersion('.lock', Buffer.from('the renewed lease'), version).then(() => assert.fail('replaced on a full disk'), (err: SessionStoreError) => err)
      assert.match(err.message, /ENOSPC/)
      assert.deepEqual(await store.readVersioned('.lock'), { data: Buffer.from('the lease as it was'), version })
      assert.deepEqual(await readdir(join(store.path, '..')), ['session.lock'])
    } finally {
      await rm(filler)
    }
  })

  test('a session write on a full disk fails whole: the session stays as it was, no temporary file is left', async () => {
    const store = new FileStore(freshPath())
    const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0)))
    const sessions = new FencedStore(store, lease, recordingLog())
    await sessions.write('', Buffer.from('the session'))
    const filler = await fill()
    try {
      const err = await sessions.write('', Buffer.alloc(8192, 7)).then(() => assert.fail('written on a full disk'), (err: SessionStoreError) => err)
      assert.equal(err.code, 'STORE_FAILED')
      assert.match(err.message, /ENOSPC/)
      assert.deepEqual(await store.read(''), Buffer.from('the session'))
      assert.deepEqual((await readdir(join(store.path, '..'))).sort(), ['session', 'session.lock'])
    } finally {
      await rm(filler)
    }
    await lease.release()
  })

  test('the sandbox\'s state on a full disk: one error for the outage, whatever the changes, and saved again once space comes back', async () => {
    const store = new FileStore(freshPath())
    const entries: Array<{ level: string, msg: string | undefined }> = []
    const at = (level: string) => (_obj: object, msg?: string): void => void entries.push({ level, msg })
    const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
    const sandbox = await startSandbox({ store, log, timer: { setInterval: () => 0, clearInterval: () => {} } })
    try {
      const filler = await fill()
      try {
        for (let post = 0; post < 5; post++) {
          sandbox.emulator.setUnregistered(`+1555010${7100 + post}`)
          await waitUntil(() => entries.filter((entry) => entry.msg?.startsWith('could not save the sandbox state')).length > post, 'the save failed')
        }
        assert.deepEqual(entries.filter((entry) => entry.level === 'error').map((entry) => entry.msg), ['could not save the sandbox state; it is saved again at its next change'])
      } finally {
        await rm(filler)
      }
      sandbox.emulator.setUnregistered('+15550107199')
      await waitUntil(() => entries.some((entry) => entry.msg === 'the sandbox state is saved again'), 'the state is saved again')
      assert.match((await store.read('.sandbox'))!.toString('utf8'), /15550107199/)
    } finally {
      await sandbox.stop()
    }
  })
})
