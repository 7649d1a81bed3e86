import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import { FencedStore } from '../../src/sessions/fenced-store.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { acquireLease } from '../../src/sessions/lease.ts'
import type { SessionLease } from '../../src/sessions/lease.ts'
import type { LeaseStore, VersionedObject } from '../../src/sessions/lease-store.ts'
import { S3Store } from '../../src/sessions/s3-store.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { RENEW, T0, TTL, leaseOptions, recordingLog } from '../helpers/lease-contract.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { startMotoS3 } from '../helpers/moto-s3.ts'
import type { MotoS3Handle } from '../helpers/moto-s3.ts'
import { startS3rver } from '../helpers/s3rver.ts'
import type { S3rverHandle } from '../helpers/s3rver.ts'

type Store = BlobStore & LeaseStore

/**
 * The store a holder writes through, with one power for tests: `holdNextPut` parks the next
 * conditional write of the session record just before it reaches the store — after the lease
 * check passed — as a process that stalls at that instant would.
 */
class StallingStore implements Store {
  readonly #inner: Store
  #held: { arrive(): void, released: Promise<void> } | undefined

  constructor(inner: Store) {
    this.#inner = inner
  }

  holdNextPut(): { arrived: Promise<void>, release(): void } {
    let arrive!: () => void
    let release!: () => void
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve
    })
    this.#held = { arrive, released: new Promise<void>((resolve) => { release = resolve }) }
    return { arrived, release }
  }

  async #stall(name: string): Promise<void> {
    const held = this.#held
    if (name !== '' || held === undefined) return
    this.#held = undefined
    held.arrive()
    await held.released
  }

  describe(): string { return this.#inner.describe() }
  read(name?: string): Promise<Buffer | null> { return this.#inner.read(name) }
  write(name: string, data: Buffer): Promise<void> { return this.#inner.write(name, data) }
  remove(name: string): Promise<void> { return this.#inner.remove(name) }
  readVersioned(name: string): Promise<VersionedObject | null> { return this.#inner.readVersioned(name) }
  async createIfAbsent(name: string, data: Buffer): Promise<string | null> {
    await this.#stall(name)
    return this.#inner.createIfAbsent(name, data)
  }
  async replaceIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    await this.#stall(name)
    return this.#inner.replaceIfVersion(name, data, version)
  }
  async renewIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    await this.#stall(name)
    return this.#inner.renewIfVersion(name, data, version)
  }
  removeIfVersion(name: string, version: string): Promise<boolean> { return this.#inner.removeIfVersion(name, version) }
  enforcesConditions(): Promise<boolean> { return this.#inner.enforcesConditions() }
}

async function refusedAsLost(promise: Promise<unknown>): Promise<SessionStoreError> {
  const err = await promise.then(() => assert.fail('expected the write to be refused'), (error: unknown) => error)
  assert.ok(err instanceof SessionStoreError, `expected a SessionStoreError, got ${String(err)}`)
  assert.equal(err.code, 'SESSION_LEASE_LOST')
  return err
}

const text = (data: Buffer | null): string | null => (data === null ? null : data.toString('utf8'))

interface Holder {
  lease: SessionLease
  store: FencedStore
  losses: string[]
  log: ReturnType<typeof recordingLog>
}

async function holder(name: string, store: Store, clock: ManualClock): Promise<Holder> {
  const losses: string[] = []
  const log = recordingLog()
  const lease = await acquireLease(store, leaseOptions(name, clock, { onLost: (err) => losses.push(err.message), log }))
  return { lease, store: new FencedStore(store, lease, log), losses, log }
}

function fencingContract(freshStore: () => Store): void {
  test('a holder paused past its lease resumes, loses the lease, and its write is refused; the successor\'s session survives', async () => {
    const raw = freshStore()
    const clockA = new ManualClock(T0)
    const a = await holder('instance-a', raw, clockA)
    assert.equal(await a.store.read(''), null)
    await a.store.write('', Buffer.from('session of A'))
    // A stalls: its clock stands still. B starts when A's lease has run out and takes it over.
    const b = await holder('instance-b', raw, new ManualClock(T0 + TTL))
    assert.equal(text(await b.store.read('')), 'session of A')
    await b.store.write('', Buffer.from('session of B'))
    // A wakes up past its lease's end: it gives the lease up, and the write it was about to make is refused.
    clockA.advance(TTL)
    const err = await refusedAsLost(a.store.write('', Buffer.from('stale session of A')))
    assert.match(err.message, /could not be renewed in time/)
    assert.equal(text(await raw.read('')), 'session of B')
    assert.equal(a.losses.length, 1, 'the loss is reported once')
    await a.lease.release()
    await b.lease.release()
  })

  test('a stale holder whose clock says its lease is still good is refused because the stored lease is not its own', async () => {
    const raw = freshStore()
    const a = await holder('instance-a', raw, new ManualClock(T0))
    await a.store.write('', Buffer.from('session of A'))
    const b = await holder('instance-b', raw, new ManualClock(T0 + TTL))
    await b.store.write('', Buffer.from('session of B'))
    await refusedAsLost(a.store.write('', Buffer.from('stale session of A')))
    await refusedAsLost(a.store.remove(''))
    assert.equal(text(await raw.read('')), 'session of B')
    assert.deepEqual(a.losses.map((why) => /instance-b holds it now/.test(why)), [true])
    await b.lease.release()
  })

  test('a holder that stalls after its lease check cannot create the session once the successor has (If-None-Match)', async () => {
    const raw = new StallingStore(freshStore())
    const a = await holder('instance-a', raw, new ManualClock(T0))
    assert.equal(await a.store.read(''), null)
    const held = raw.holdNextPut()
    const stale = a.store.write('', Buffer.from('session of A'))
    await held.arrived
    const b = await holder('instance-b', raw, new ManualClock(T0 + TTL))
    assert.equal(await b.store.read(''), null)
    await b.store.write('', Buffer.from('session of B'))
    held.release()
    await refusedAsLost(stale)
    assert.equal(text(await raw.read('')), 'session of B')
    await b.lease.release()
  })

  test('a holder that stalls after its lease check cannot replace the session once the successor has written it (If-Match)', async () => {
    const raw = new StallingStore(freshStore())
    const a = await holder('instance-a', raw, new ManualClock(T0))
    await a.store.write('', Buffer.from('session of A'))
    const held = raw.holdNextPut()
    const stale = a.store.write('', Buffer.from('stale session of A'))
    await held.arrived
    const b = await holder('instance-b', raw, new ManualClock(T0 + TTL))
    assert.equal(text(await b.store.read('')), 'session of A')
    await b.store.write('', Buffer.from('session of B'))
    held.release()
    await refusedAsLost(stale)
    assert.equal(text(await raw.read('')), 'session of B')
    await b.lease.release()
  })

  test('a write a stale holder slipped in before the successor\'s first is written over by the successor, with a warning', async () => {
    const raw = new StallingStore(freshStore())
    const a = await holder('instance-a', raw, new ManualClock(T0))
    await a.store.write('', Buffer.from('session of A'))
    const held = raw.holdNextPut()
    const stale = a.store.write('', Buffer.from('stale session of A'))
    await held.arrived
    const b = await holder('instance-b', raw, new ManualClock(T0 + TTL))
    assert.equal(text(await b.store.read('')), 'session of A')
    held.release()
    // The successor had not written yet: the stale write lands…
    await stale
    assert.equal(text(await raw.read('')), 'stale session of A')
    // …and the holder of the lease has the last word.
    await b.store.write('', Buffer.from('session of B'))
    assert.equal(text(await raw.read('')), 'session of B')
    const warning = b.log.entries.find((entry) => entry.msg?.includes('no longer holds the lease'))
    assert.deepEqual(warning?.obj, { store: raw.describe(), object: '' })
    assert.match(warning?.msg ?? '', /no longer holds the lease/)
    await refusedAsLost(a.store.write('', Buffer.from('stale session of A, again')))
    await b.lease.release()
  })

  test('a holder back from a pause short of its give-up time renews the lease and goes on writing', async () => {
    const raw = freshStore()
    const clock = new ManualClock(T0)
    const a = await holder('instance-a', raw, clock)
    await a.store.write('.sandbox', Buffer.from('one'))
    clock.advance(TTL - RENEW)
    await a.store.write('.sandbox', Buffer.from('two'))
    assert.equal(text(await raw.read('.sandbox')), 'two')
    assert.deepEqual(a.losses, [])
    await a.lease.release()
  })

  test('a holder back from a pause past its lease\'s end gives the lease up, though nobody took it, and writes nothing', async () => {
    const raw = freshStore()
    const clock = new ManualClock(T0)
    const a = await holder('instance-a', raw, clock)
    await a.store.write('.sandbox', Buffer.from('one'))
    clock.advance(TTL + RENEW)
    await refusedAsLost(a.store.write('.sandbox', Buffer.from('two')))
    assert.equal(text(await raw.read('.sandbox')), 'one')
    assert.equal(a.losses.length, 1)
    await a.lease.release()
  })

  test('after the lease is released nothing more is written', async () => {
    const raw = freshStore()
    const a = await holder('instance-a', raw, new ManualClock(T0))
    await a.store.write('', Buffer.from('final session'))
    await a.lease.release()
    await refusedAsLost(a.store.write('', Buffer.from('too late')))
    assert.equal(text(await raw.read('')), 'final session')
  })
}

describe('session writes fenced by the lease', () => {
  let root = ''
  let moto: MotoS3Handle | undefined
  let s3rver: S3rverHandle | undefined
  let counter = 0
  const BUCKET = 'sessions'
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fenced-'))
    ;[moto, s3rver] = await Promise.all([startMotoS3([BUCKET]), startS3rver([BUCKET])])
  })
  after(async () => {
    await moto?.close()
    await s3rver?.close()
    await rm(root, { recursive: true, force: true })
  })

  describe('in a file store', () => {
    fencingContract(() => new FileStore(join(root, `case-${++counter}`, 'session')))
  })
  describe('in S3 that enforces conditional writes (moto)', () => {
    fencingContract(() => new S3Store({ bucket: BUCKET, key: `case-${++counter}/session`, client: moto!.client }))
  })
  describe('in S3 that ignores conditional writes (s3rver): checked by reading around the write', () => {
    fencingContract(() => new S3Store({ bucket: BUCKET, key: `case-${++counter}/session`, client: s3rver!.client }))
  })
})
