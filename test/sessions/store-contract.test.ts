import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { promises as fsp } from 'node:fs'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { BlobStore, WrittenAt } from '../../src/sessions/blob-store.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { openStore } from '../../src/sessions/open-store.ts'
import { S3Store, createS3Client } from '../../src/sessions/s3-store.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { loadSessionRecord, saveSessionRecord } from '../../src/sessions/session-persistence.ts'
import { s3Client, startS3rver } from '../helpers/s3rver.ts'
import type { S3rverHandle } from '../helpers/s3rver.ts'

const BUCKET = 'sessions'

async function storeError(promise: Promise<unknown>): Promise<SessionStoreError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof SessionStoreError, `expected a SessionStoreError, got ${String(err)}`)
    return err
  }
  assert.fail('expected the operation to fail')
}

/** The behaviour every BlobStore shares; `freshStore` returns a store over an empty location. */
function storeContract(freshStore: () => BlobStore & WrittenAt): void {
  test('an object has no write time until it is written, then the time of its last write', async () => {
    const store = freshStore()
    assert.equal(await store.writtenAt(''), null)
    const before = Date.now()
    await store.write('', Buffer.from('session'))
    await store.write('.sandbox', Buffer.from('sandbox'))
    const written = await store.writtenAt()
    assert.ok(written instanceof Date)
    // S3's Last-Modified has whole seconds; a file system clock may be coarser than Date.now().
    assert.ok(written.getTime() >= Math.floor(before / 1000) * 1000 - 1000 && written.getTime() <= Date.now() + 1000, `${written.toISOString()} is not the time of the write`)
    assert.ok((await store.writtenAt('.sandbox')) instanceof Date)
    assert.equal(await store.writtenAt('.lock'), null)
  })

  test('reading a missing object gives null', async () => {
    const store = freshStore()
    assert.equal(await store.read(), null)
    assert.equal(await store.read(''), null)
    assert.equal(await store.read('.lock'), null)
  })

  test('written bytes read back identically', async () => {
    const store = freshStore()
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff))
    await store.write('', data)
    assert.deepEqual(await store.read(''), data)
    assert.deepEqual(await store.read(), data)
  })

  test('an empty object is stored as empty, not missing', async () => {
    const store = freshStore()
    await store.write('', Buffer.alloc(0))
    assert.deepEqual(await store.read(''), Buffer.alloc(0))
  })

  test('a second write replaces the first', async () => {
    const store = freshStore()
    await store.write('', Buffer.from('first, and longer than the second'))
    await store.write('', Buffer.from('second'))
    assert.deepEqual(await store.read(''), Buffer.from('second'))
  })

  test('sibling objects are independent of the session and of each other', async () => {
    const store = freshStore()
    await store.write('', Buffer.from('session'))
    await store.write('.lock', Buffer.from('lock'))
    await store.write('.sandbox', Buffer.from('sandbox'))
    assert.deepEqual(await store.read(''), Buffer.from('session'))
    assert.deepEqual(await store.read('.lock'), Buffer.from('lock'))
    assert.deepEqual(await store.read('.sandbox'), Buffer.from('sandbox'))
    await store.remove('.lock')
    assert.equal(await store.read('.lock'), null)
    assert.deepEqual(await store.read(''), Buffer.from('session'))
    assert.deepEqual(await store.read('.sandbox'), Buffer.from('sandbox'))
  })

  test('a removed object reads as missing, and removing a missing object succeeds', async () => {
    const store = freshStore()
    await store.write('', Buffer.from('x'))
    await store.remove('')
    assert.equal(await store.read(''), null)
    await store.remove('')
    await store.remove('.sandbox')
  })

  test('names that could leave the store location are refused', async () => {
    const store = freshStore()
    await assert.rejects(store.write('/../escape', Buffer.from('x')), TypeError)
    await assert.rejects(store.read('lock'), TypeError)
  })

  test('a session record saved through the store loads back, encrypted or not', async () => {
    const store = freshStore()
    assert.deepEqual(await loadSessionRecord(store, null), { version: 1, session: null, pendingSignIn: null })
    const key = Buffer.alloc(32, 9)
    const record = { version: 1 as const, session: null, pendingSignIn: null }
    await saveSessionRecord(store, key, record)
    const stored = await store.read('')
    assert.ok(stored !== null && stored.toString('utf8').includes('"alg":"A256GCM"'))
    assert.deepEqual(await loadSessionRecord(store, key), record)
    assert.equal((await storeError(loadSessionRecord(store, null))).code, 'SESSION_KEY_REQUIRED')
    await saveSessionRecord(store, null, record)
    assert.deepEqual(JSON.parse((await store.read(''))!.toString('utf8')), record)
  })
}

describe('FileStore', () => {
  let root = ''
  let counter = 0
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-store-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })
  const freshPath = (): string => join(root, `case-${++counter}`, 'data', 'session')

  storeContract(() => new FileStore(freshPath()))

  test('describe names the file URL', () => {
    assert.equal(new FileStore('./data/session').describe(), 'file:./data/session')
  })

  test('files are written with mode 0600 in a directory created with mode 0700', async () => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('secret'))
    await store.write('.sandbox', Buffer.from('state'))
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal((await stat(`${path}.sandbox`)).mode & 0o777, 0o600)
    assert.equal((await stat(join(path, '..'))).mode & 0o777, 0o700)
  })

  test('an existing file with a wider mode is replaced by a 0600 file', async () => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('old'))
    await fsp.chmod(path, 0o644)
    await store.write('', Buffer.from('new'))
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  test('no temporary file is left beside the session', async () => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('one'))
    await store.write('', Buffer.from('two'))
    await store.write('.lock', Buffer.from('lock'))
    assert.deepEqual((await readdir(join(path, '..'))).sort(), ['session', 'session.lock'])
  })

  test('a write that fails at the rename leaves the old content and no temporary file', async (t) => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('old content'))
    const rename = t.mock.method(fsp, 'rename', async () => {
      throw Object.assign(new Error('simulated rename failure'), { code: 'EIO' })
    })
    const err = await storeError(store.write('', Buffer.from('new content')))
    assert.equal(rename.mock.callCount(), 1)
    assert.equal(err.code, 'STORE_FAILED')
    assert.match(err.message, /cannot write session file ".*session": EIO/)
    rename.mock.restore()
    assert.deepEqual(await store.read(''), Buffer.from('old content'))
    assert.deepEqual(await readdir(join(path, '..')), ['session'])
  })

  test('a write that fails while writing the data leaves the old content', async (t) => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('old content'))
    // Interrupt the write half-way: the data reaches a temporary file only.
    const open = fsp.open
    const openMock = t.mock.method(fsp, 'open', async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args)
      if (args[1] === 'wx') {
        handle.sync = async () => {
          throw Object.assign(new Error('simulated fsync failure'), { code: 'ENOSPC' })
        }
      }
      return handle
    })
    assert.equal((await storeError(store.write('', Buffer.from('new content')))).code, 'STORE_FAILED')
    openMock.mock.restore()
    assert.deepEqual(await store.read(''), Buffer.from('old content'))
    assert.deepEqual(await readdir(join(path, '..')), ['session'])
  })

  test('a write refused by the file system is an access error and leaves the old content', { skip: process.getuid?.() === 0 ? 'root ignores directory permissions' : false }, async (t) => {
    const path = freshPath()
    const store = new FileStore(path)
    await store.write('', Buffer.from('old content'))
    const directory = join(path, '..')
    await fsp.chmod(directory, 0o500)
    t.after(() => fsp.chmod(directory, 0o700))
    const err = await storeError(store.write('', Buffer.from('new content')))
    assert.equal(err.code, 'STORE_ACCESS_DENIED')
    assert.match(err.message, /EACCES/)
    assert.deepEqual(await store.read(''), Buffer.from('old content'))
  })

  test('a path through a regular file is reported as a store error, not as a missing session', async () => {
    const blocker = join(root, `blocker-${++counter}`)
    await writeFile(blocker, 'not a directory')
    const store = new FileStore(join(blocker, 'session'))
    const readError = await storeError(store.read(''))
    assert.equal(readError.code, 'STORE_NOT_FOUND')
    assert.match(readError.message, /ENOTDIR/)
    assert.equal((await storeError(store.write('', Buffer.from('x')))).code, 'STORE_NOT_FOUND')
  })

  test('a directory in place of the session file is reported as a store error', async () => {
    const path = freshPath()
    await fsp.mkdir(path, { recursive: true })
    const err = await storeError(new FileStore(path).read(''))
    assert.equal(err.code, 'STORE_FAILED')
    assert.match(err.message, /EISDIR/)
  })

  test('openStore opens a file: URL as a FileStore', async () => {
    const store = await openStore({ scheme: 'file', path: '/tmp/x/session', href: 'file:/tmp/x/session' }, {})
    assert.ok(store instanceof FileStore)
    assert.equal(store.describe(), 'file:/tmp/x/session')
  })
})

describe('S3Store', () => {
  let server: S3rverHandle | undefined
  let client: S3Client | undefined
  let endpoint = ''
  let counter = 0
  before(async () => {
    server = await startS3rver([BUCKET])
    endpoint = server.endpoint
    client = server.client
  })
  after(async () => {
    await server?.close()
  })

  storeContract(() => new S3Store({ bucket: BUCKET, key: `tenants/case-${++counter}/session`, client: client! }))

  test('describe names the bucket and key and nothing else', () => {
    assert.equal(new S3Store({ bucket: BUCKET, key: 'a/b', client: client! }).describe(), 's3://sessions/a/b')
  })

  test('sibling names append to the object key', async () => {
    const store = new S3Store({ bucket: BUCKET, key: 'sibling/session', client: client! })
    await store.write('.sandbox', Buffer.from('state'))
    const plain = new S3Store({ bucket: BUCKET, key: 'sibling/session.sandbox', client: client! })
    assert.deepEqual(await plain.read(''), Buffer.from('state'))
  })

  test('a bucket that does not exist is an error, not a missing session', async () => {
    const store = new S3Store({ bucket: 'no-such-bucket', key: 'session', client: client! })
    const err = await storeError(store.read(''))
    assert.equal(err.code, 'STORE_NOT_FOUND')
    assert.equal(err.message, 'cannot read session object s3://no-such-bucket/session: no such bucket, NoSuchBucket, HTTP 404')
  })

  test('an unreachable S3 endpoint gives a clear error naming the object', async () => {
    const port = await closedPort()
    const unreachable = s3Client(`http://127.0.0.1:${port}`, { maxAttempts: 1 })
    try {
      const store = new S3Store({ bucket: BUCKET, key: 'session', client: unreachable })
      const readError = await storeError(store.read(''))
      assert.equal(readError.code, 'STORE_UNAVAILABLE')
      assert.equal(readError.message, 'cannot read session object s3://sessions/session: S3 unreachable, ECONNREFUSED')
      assert.doesNotMatch(readError.message, /S3RVER/)
      assert.equal((await storeError(store.write('', Buffer.from('x')))).code, 'STORE_UNAVAILABLE')
    } finally {
      unreachable.destroy()
    }
  })

  test('createS3Client uses path-style addressing against a custom endpoint', async () => {
    const env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }
    const created = createS3Client(env)
    try {
      assert.equal(created.config.forcePathStyle, true)
      assert.equal(await created.config.region(), 'us-east-1')
      // s3rver serves path-style requests only, so a round trip proves the addressing.
      const store = new S3Store({ bucket: BUCKET, key: 'created/session', client: created })
      await store.write('', Buffer.from('via env'))
      assert.deepEqual(await store.read(''), Buffer.from('via env'))
    } finally {
      created.destroy()
    }
  })

  test('createS3Client leaves addressing to the SDK without a custom endpoint', async () => {
    const created = createS3Client({ AWS_REGION: 'eu-west-3' })
    try {
      assert.equal(created.config.forcePathStyle, false)
      assert.equal(await created.config.region(), 'eu-west-3')
    } finally {
      created.destroy()
    }
  })

  test('openStore opens an s3:// URL as an S3Store configured from the environment', async () => {
    const store = await openStore({ scheme: 's3', bucket: BUCKET, key: 'opened/session', href: 's3://sessions/opened/session' }, {
      AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
    })
    assert.ok(store instanceof S3Store)
    assert.equal(store.describe(), 's3://sessions/opened/session')
    await store.write('', Buffer.from('opened'))
    assert.deepEqual(await store.read(''), Buffer.from('opened'))
  })
})

/** A loopback port nothing listens on: bind port 0, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  assert.ok(address !== null && typeof address === 'object')
  return address.port
}
