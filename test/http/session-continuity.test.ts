/**
 * The session outlives the process (docs/spec.md §5), seen from HTTP: a sign-in saved to S3 (s3rver on
 * loopback) is still signed in after a restart, and a Telethon StringSession — the Python
 * service's session, holding an auth key the DC knows — placed in the store as it is signs the
 * service in with no login at all.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { readStringSession } from '@mtcute/core/utils.js'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { S3Store } from '../../src/sessions/s3-store.ts'
import { parseSessionRecord } from '../../src/sessions/session-record.ts'
import { encodeTelethonSession } from '../../src/sessions/telethon-session.ts'
import { s3Client, startS3rver, type S3rverHandle } from '../helpers/s3rver.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedChannelMessages, isoTime, messageKey } from '../helpers/world-messages.ts'
import { assertProblem } from '../helpers/problem.ts'

const NOW = 1_750_000_000
const SPAN = 86_400
const BUCKET = 'connector'

let emulator: Emulator
let s3: S3rverHandle
let directory: string
let nextPhone = 0
const phone = (): string => `+1555500${String(1000 + nextPhone++)}`

before(async () => {
  emulator = await startEmulator({ world: { seed: 3, channels: 3, messagesPerChannel: 60, spanSeconds: SPAN, now: NOW } })
  s3 = await startS3rver([BUCKET])
  directory = await mkdtemp(join(tmpdir(), 'session-continuity-'))
})
after(async () => {
  await s3?.close()
  await emulator?.stop()
  if (directory) await rm(directory, { recursive: true, force: true })
})

const signInCalls = (): number => emulator.faults.counters.get('auth.sendCode') + emulator.faults.counters.get('auth.signIn')

async function authorized(url: string): Promise<boolean> {
  return ((await (await fetch(`${url}/health`)).json()) as { authorized: boolean }).authorized
}

async function signInFully(service: Service): Promise<void> {
  const p = phone()
  assert.equal((await signIn(service.url, { phone: p })).status, 206)
  assert.equal((await signIn(service.url, { phone: p, password: emulator.lastCode(p) })).status, 200)
}

/** /messages over the whole world returns exactly the world's channel messages. */
async function assertMessagesServed(url: string): Promise<void> {
  const after = NOW - SPAN - 10
  const response = await fetch(`${url}/messages?start_time=${isoTime(after)}&end_time=${isoTime(NOW)}`)
  assert.equal(response.status, 200)
  const messages = await response.json() as Array<{ id: number, peer_id: { channel_id: number } }>
  const expected = expectedChannelMessages(emulator.world, after, NOW).map((m) => messageKey(m.channel.id, m.id))
  assert.ok(expected.length > 100)
  assert.deepEqual(messages.map((m) => messageKey(m.peer_id.channel_id, m.id)), expected)
}

test('a sign-in is saved to S3 before the 200, and a restart is signed in without a login', async (t) => {
  const store = new S3Store({ bucket: BUCKET, key: 'sessions/prod', client: s3.client })
  const service = await startService({ sharedEmulator: emulator, store })
  t.after(() => service.close())
  assert.equal(await authorized(service.url), false)
  await assertProblem(await fetch(`${service.url}/messages?start_time=2020-01-01T00:00:00Z`), 401, 'NOT_SIGNED_IN')

  await signInFully(service)
  // The object is in the bucket at the moment of the 200, read by another client.
  const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'sessions/prod' }))
  const record = parseSessionRecord(Buffer.from(await object.Body!.transformToByteArray()))
  assert.ok(record.session !== null)
  assert.equal(record.pendingSignIn, null)

  const calls = signInCalls()
  await service.restart()
  assert.equal(await authorized(service.url), true)
  await assertMessagesServed(service.url)
  assert.equal(signInCalls(), calls)
})

test('another process with its own S3 client finds the session and needs no login', async (t) => {
  const key = 'sessions/handover'
  const first = await startService({ sharedEmulator: emulator, store: new S3Store({ bucket: BUCKET, key, client: s3.client }) })
  await signInFully(first)
  await first.close()

  const calls = signInCalls()
  const client = s3Client(s3.endpoint)
  t.after(() => client.destroy())
  const second = await startService({ sharedEmulator: emulator, store: new S3Store({ bucket: BUCKET, key, client }) })
  t.after(() => second.close())
  assert.equal(await authorized(second.url), true)
  assert.equal((await signIn(second.url, { phone: '+15550000000' })).status, 200)
  await assertMessagesServed(second.url)
  assert.equal(signInCalls(), calls)
})

/** Signs in once over HTTP and returns the 256-byte auth key of that login, checked to be one the emulator knows. */
async function signedInAuthKey(): Promise<Buffer> {
  const store = new FileStore(join(directory, `mtcute-${nextPhone}`))
  const service = await startService({ sharedEmulator: emulator, store })
  await signInFully(service)
  await service.close()
  const record = parseSessionRecord(await readFile(store.path))
  assert.ok(record.session !== null)
  const authKey = Buffer.from(readStringSession(record.session).authKey!)
  assert.equal(authKey.length, 256)
  assert.ok(emulator.dc(emulator.dcId).authKeys.toJSON().keys.some((entry) => Buffer.from(entry.key, 'base64').equals(authKey)))
  return authKey
}

test("a Telethon StringSession written by the Python service is accepted as it is", async (t) => {
  const authKey = await signedInAuthKey()
  // As the Python service saved it: Telegram's own address for DC 2, which the configured DC replaces.
  const telethon = encodeTelethonSession({ dcId: emulator.dcId, ip: '149.154.167.51', port: 443, authKey })
  assert.match(telethon, /^1[A-Za-z0-9_-]+=*$/)
  // '1' and the base64 of 1 + 4 + 2 + 256 bytes.
  assert.equal(telethon.length, 1 + 352)
  const store = new FileStore(join(directory, 'telethon-v4'))
  await store.write('', Buffer.from(telethon))

  const calls = signInCalls()
  const service = await startService({ sharedEmulator: emulator, store })
  t.after(() => service.close())
  assert.equal(await authorized(service.url), true)
  await assertMessagesServed(service.url)
  assert.equal((await signIn(service.url, { phone: '+15550000000' })).status, 200)
  assert.equal(signInCalls(), calls)
  // The session string never reaches the log.
  assert.ok(!service.logText().includes(telethon.slice(1, 60)))

  // Once saved in the service's own format, it still signs in after a restart.
  await service.restart()
  const stored = await readFile(store.path, 'utf8')
  assert.ok(stored.startsWith('{'))
  assert.ok(parseSessionRecord(Buffer.from(stored)).session !== null)
  assert.equal(await authorized(service.url), true)
  await assertMessagesServed(service.url)
})

test('a Telethon StringSession with an IPv6 address is accepted too', async (t) => {
  const authKey = await signedInAuthKey()
  const telethon = encodeTelethonSession({ dcId: emulator.dcId, ip: '2001:67c:4e8:f002::a', port: 443, authKey })
  assert.equal(telethon.length, 1 + 368)
  const store = new FileStore(join(directory, 'telethon-v6'))
  await store.write('', Buffer.from(`${telethon}\n`))
  const service = await startService({ sharedEmulator: emulator, store })
  t.after(() => service.close())
  assert.equal(await authorized(service.url), true)
  await assertMessagesServed(service.url)
})

test('a Telethon StringSession without an auth key means not signed in', async (t) => {
  const telethon = encodeTelethonSession({ dcId: emulator.dcId, ip: '149.154.167.51', port: 443, authKey: Buffer.alloc(256) })
  const store = new FileStore(join(directory, 'telethon-empty'))
  await store.write('', Buffer.from(telethon))
  const service = await startService({ sharedEmulator: emulator, store })
  t.after(() => service.close())
  assert.equal(await authorized(service.url), false)
  const problem = await assertProblem(await fetch(`${service.url}/messages?start_time=2020-01-01T00:00:00Z`), 401, 'NOT_SIGNED_IN')
  assert.match(problem.detail, /\/sign_in/)
})
