/**
 * Every call to the session store has a deadline (src/sessions/deadline.ts): a store that
 * accepts a request and never answers fails the call in time, as STORE_UNAVAILABLE. S3 is
 * s3rver behind a TCP proxy that hangs, slows down or refuses (test/helpers/fault-proxy.ts),
 * reached by the service's own S3 client; a file system that never answers is a FIFO, whose
 * read blocks until a writer comes.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { constants } from 'node:fs'
import { mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../../src/sessions/file-store.ts'
import { S3Store, createS3Client } from '../../src/sessions/s3-store.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { systemClock } from '../../src/core/clock.ts'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHandle } from '../helpers/s3rver.ts'
import { startMotoS3, type MotoS3Handle } from '../helpers/moto-s3.ts'
import { RENEW, T0, TTL, leaseOptions, recordingLog, storedLease } from '../helpers/lease-contract.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { acquireLease } from '../../src/sessions/lease.ts'

async function failure(promise: Promise<unknown>): Promise<SessionStoreError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof SessionStoreError, `expected a SessionStoreError, got ${String(err)}`)
    return err
  }
  assert.fail('expected the call to fail')
}

describe('a file system that never answers', () => {
  let directory = ''
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tc-deadline-'))
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  test('a read fails as STORE_UNAVAILABLE when its deadline passes, naming the file and the deadline', async () => {
    const path = join(directory, 'session')
    assert.equal(spawnSync('mkfifo', [path]).status, 0)
    const clock = new ManualClock(0)
    const store = new FileStore(path, { deadline: { ms: 5000, clock } })
    let settled = false
    const reading = failure(store.read('')).finally(() => {
      settled = true
    })
    await clock.whenSleepingUntil(5000)
    clock.advance(4999)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(settled, false, 'still waiting a millisecond before the deadline')
    clock.advance(1)
    const err = await reading
    assert.equal(err.code, 'STORE_UNAVAILABLE')
    assert.equal(err.message, `cannot read session file ${JSON.stringify(path)}: no answer from the file system within 5 s`)
    // Unblock the read still waiting in the thread pool.
    const writer = await open(path, constants.O_WRONLY | constants.O_NONBLOCK)
    await writeFile(`${path}.plain`, '')
    await rename(`${path}.plain`, path)
    await writer.close()
  })
})

describe('an S3 endpoint behind a proxy that fails', () => {
  const BUCKET = 'sessions'
  const DEADLINE_MS = 400
  let s3: S3rverHandle
  let proxy: FaultProxy
  let store: S3Store
  let client: ReturnType<typeof createS3Client>
  before(async () => {
    s3 = await startS3rver([BUCKET])
    proxy = await startFaultProxy(Number(new URL(s3.endpoint).port))
    client = createS3Client({ AWS_ENDPOINT_URL: proxy.endpoint, AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey }, DEADLINE_MS)
    store = new S3Store({ bucket: BUCKET, key: 'deadline/session', client, deadline: { ms: DEADLINE_MS, clock: systemClock } })
  })
  after(async () => {
    client?.destroy()
    await proxy?.close()
    await s3?.close()
  })

  test('through a proxy that passes, the store works', async () => {
    await proxy.set({ kind: 'pass' })
    await store.write('', Buffer.from('session'))
    assert.deepEqual(await store.read(''), Buffer.from('session'))
  })

  for (const fault of [{ kind: 'hang' }, { kind: 'slow', delayMs: 3 * DEADLINE_MS }, { kind: 'refuse' }] as const) {
    test(`a proxy that ${fault.kind === 'hang' ? 'accepts and never answers' : fault.kind === 'slow' ? 'answers past the deadline' : 'refuses connections'}: every call fails as STORE_UNAVAILABLE, within its deadline`, async () => {
      // A key of its own: a slow proxy still delivers, late, the writes given up on.
      const faulty = new S3Store({ bucket: BUCKET, key: `deadline/${fault.kind}`, client, deadline: { ms: DEADLINE_MS, clock: systemClock } })
      await faulty.write('', Buffer.from('session'))
      await proxy.set(fault)
      try {
        for (const call of [() => faulty.read(''), () => faulty.write('', Buffer.from('x')), () => faulty.readVersioned('.lock'), () => faulty.replaceIfVersion('.lock', Buffer.from('y'), '"v"'), () => faulty.remove('.other')]) {
          const started = performance.now()
          const err = await failure(call())
          const tookMs = performance.now() - started
          assert.equal(err.code, 'STORE_UNAVAILABLE', err.message)
          // Never later than the deadline, give or take a loaded machine's timers.
          assert.ok(tookMs < DEADLINE_MS + 1000, `${tookMs} ms`)
        }
      } finally {
        await proxy.set({ kind: 'pass' })
      }
      // The store is usable again once the endpoint is.
      await faulty.write('.after', Buffer.from('after'))
      assert.deepEqual(await faulty.read('.after'), Buffer.from('after'))
    })
  }

  test('a proxy slower than usual but within the deadline costs nothing', async () => {
    await proxy.set({ kind: 'slow', delayMs: 20 })
    try {
      await store.write('', Buffer.from('slow session'))
      assert.deepEqual(await store.read(''), Buffer.from('slow session'))
    } finally {
      await proxy.set({ kind: 'pass' })
    }
  })
})

describe('a lease whose renewal is answered past its deadline but lands all the same (moto)', () => {
  const BUCKET = 'sessions'
  const DEADLINE_MS = 300
  let s3: MotoS3Handle
  let proxy: FaultProxy
  let client: ReturnType<typeof createS3Client>
  before(async () => {
    s3 = await startMotoS3([BUCKET])
    proxy = await startFaultProxy(Number(new URL(s3.endpoint).port))
    client = createS3Client({ AWS_ENDPOINT_URL: proxy.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, DEADLINE_MS)
  })
  after(async () => {
    client?.destroy()
    await proxy?.close()
    await s3?.close()
  })

  test('the holder finds its own renewal in the store at the next one, keeps the lease, and says it is renewed again', async () => {
    const store = new S3Store({ bucket: BUCKET, key: 'late/session', client, deadline: { ms: DEADLINE_MS, clock: systemClock } })
    const clock = new ManualClock(T0)
    const log = recordingLog()
    const lost: string[] = []
    const lease = await acquireLease(store, leaseOptions('instance-a', clock, { log, onLost: (err) => lost.push(err.message) }))
    const direct = new S3Store({ bucket: BUCKET, key: 'late/session', client: s3.client })
    await proxy.set({ kind: 'slow', delayMs: 2 * DEADLINE_MS })
    clock.advance(RENEW)
    await clock.whenSleepingUntil(clock.now() + 1000)
    assert.ok(log.entries.some((entry) => entry.level === 'warn' && entry.msg?.startsWith('could not renew the session lease')))
    // The renewal given up on reaches S3 late, and is written.
    await waitUntil(async () => (await storedLease(direct))?.expiresAt === new Date(T0 + RENEW + TTL).toISOString(), 'the late renewal lands', 10_000)
    await proxy.set({ kind: 'pass' })
    clock.advance(1000)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.deepEqual(lost, [])
    assert.ok(log.entries.some((entry) => entry.msg === 'the session lease is renewed again'))
    clock.advance(RENEW)
    await clock.whenSleepingUntil(clock.now() + RENEW)
    assert.equal((await storedLease(direct))?.expiresAt, new Date(T0 + 2 * RENEW + 1000 + TTL).toISOString())
    await lease.release()
  })
})
