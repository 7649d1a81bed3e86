/**
 * `npm run session` (src/session-cli.ts) as a real process, compiled as the image runs it
 * (`node dist/session-cli.js`), on stores a signed-in service left
 * behind (the service itself against the emulator, over MTProto): the exported Telethon string
 * carries the session's home DC (its id and address, DC 4 included) and auth key; imported into a fresh store, the service is
 * signed in with no login; `--to` writes it to a file or an S3 object; export refuses while the
 * lease is held; `show` tells an encrypted store's state with the key, and what it can without.
 * No secret reaches stderr, and `show` prints none.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readStringSession } from '@mtcute/core/utils.js'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { SESSION_LEASE_TIMING, acquireLease } from '../../src/sessions/lease.ts'
import { S3Store } from '../../src/sessions/s3-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { decodeTelethonSession } from '../../src/sessions/telethon-session.ts'
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHandle } from '../helpers/s3rver.ts'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { runCompiled, type ScriptRun } from '../helpers/service-process.ts'
import { startService, signInWithCode } from '../helpers/service.ts'

const NOW = 1_750_000_000
const BUCKET = 'rollback'

let emulator: Emulator
let s3: S3rverHandle
let directory: string
let nextPhone = 0
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  emulator = await startEmulator({ world: { seed: 21, channels: 3, messagesPerChannel: 30, spanSeconds: 86_400, now: NOW } })
  s3 = await startS3rver([BUCKET])
  directory = await mkdtemp(join(tmpdir(), 'tc-session-cli-'))
})
after(async () => {
  for (const run of running) await run.stop()
  await s3?.close()
  await emulator?.stop()
  await rm(directory, { recursive: true, force: true })
})

/** The command with the service's configuration for a file store (plus what a test adds). */
async function session(args: string[], sessionPath: string, env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const run = runCompiled('session-cli.js', args, { SESSION_URL: `file:${sessionPath}`, ...env }, '')
  running.push(run)
  const exit = await run.exited
  return { code: exit.code, stdout: run.stdout(), stderr: run.stderr() }
}

/** Signs a fresh phone in through the service over HTTP, stops it (it saves) and returns the stored session's DC and key. */
async function signedInStore(path: string, sessionKey: Buffer | null = null, phone = `+1555300${String(nextPhone++).padStart(4, '0')}`): Promise<{ dcId: number, authKey: Buffer }> {
  const service = await startService({ sharedEmulator: emulator, store: new FileStore(path), sessionKey })
  try {
    await signInWithCode(service.url, emulator, phone)
  } finally {
    await service.close()
  }
  const record = await loadSessionRecord(new FileStore(path), sessionKey)
  assert.ok(record.session !== null)
  const data = readStringSession(record.session)
  return { dcId: data.primaryDcs.main.id, authKey: Buffer.from(data.authKey) }
}

function assertNoSecret(text: string, authKey: Buffer): void {
  for (const form of [authKey.toString('hex'), authKey.toString('base64'), authKey.toString('base64url')]) {
    assert.ok(!text.includes(form.slice(0, 32)), 'the auth key must not appear')
  }
}

test('export --telethon prints a string that decodes to the session\'s DC, address and auth key, and the service signs in with it and no login', async (t) => {
  const path = join(directory, 'export', 'session')
  const stored = await signedInStore(path)
  const { code, stdout, stderr } = await session(['export', '--telethon'], path)
  assert.equal(code, 0, stderr)
  const text = stdout.trim()
  assert.equal(stdout, `${text}\n`)
  const telethon = decodeTelethonSession(text)
  assert.equal(telethon.dcId, stored.dcId)
  assert.equal(telethon.dcId, emulator.dcId)
  assert.equal(telethon.ip, emulator.host)
  assert.equal(telethon.port, emulator.port)
  assert.deepEqual(telethon.authKey, stored.authKey)
  assert.match(stderr, /is the account itself/)
  assert.ok(!stderr.includes(text))
  assertNoSecret(stderr, stored.authKey)

  // As the Python service would find it: the bare string in a fresh store.
  const fresh = new FileStore(join(directory, 'imported', 'session'))
  await fresh.write('', Buffer.from(text))
  const logins = emulator.faults.counters.get('auth.sendCode') + emulator.faults.counters.get('auth.signIn')
  const service = await startService({ sharedEmulator: emulator, store: fresh })
  t.after(() => service.close())
  assert.equal(service.gateway.authorized, true)
  const response = await fetch(`${service.url}/messages?start_time=${NOW - 86_400 - 10}&end_time=${NOW}`)
  assert.equal(response.status, 200)
  assert.ok((await response.json() as unknown[]).length > 0)
  assert.equal(emulator.faults.counters.get('auth.sendCode') + emulator.faults.counters.get('auth.signIn'), logins)
})

test('a session homed on another DC is exported with that DC\'s id and address', async () => {
  // The emulator's test numbers +99966 X YYYY live on DC X (core.telegram.org/api/auth#test-accounts).
  const path = join(directory, 'dc4', 'session')
  const stored = await signedInStore(path, null, '+999 66 4 7002')
  assert.equal(stored.dcId, 4)
  const { code, stdout, stderr } = await session(['export', '--telethon'], path)
  assert.equal(code, 0, stderr)
  const telethon = decodeTelethonSession(stdout.trim())
  assert.deepEqual({ dcId: telethon.dcId, ip: telethon.ip, port: telethon.port }, { dcId: 4, ip: emulator.dc(4).host, port: emulator.dc(4).port })
  assert.deepEqual(telethon.authKey, stored.authKey)
})

test('export --telethon --to writes the same string to a file or an S3 object, and prints none', async () => {
  const path = join(directory, 'to', 'session')
  const stored = await signedInStore(path)
  const printed = (await session(['export', '--telethon'], path)).stdout.trim()

  const file = join(directory, 'to', 'telethon.session')
  const toFile = await session(['export', '--telethon', '--to', `file:${file}`], path)
  assert.equal(toFile.code, 0, toFile.stderr)
  assert.equal(toFile.stdout, '')
  assert.equal(await readFile(file, 'utf8'), printed)

  const toS3 = await session(['export', '--telethon', '--to', `s3://${BUCKET}/python/session`], path, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  })
  assert.equal(toS3.code, 0, toS3.stderr)
  assert.equal(toS3.stdout, '')
  assert.match(toS3.stderr, new RegExp(`written to s3://${BUCKET}/python/session`))
  const object = await new S3Store({ bucket: BUCKET, key: 'python/session', client: s3.client }).read('')
  assert.equal(object?.toString('utf8'), printed)
  assertNoSecret(toFile.stderr + toS3.stderr, stored.authKey)
})

test('export refuses while another process holds the session\'s lease, naming it, and prints no string', async (t) => {
  const path = join(directory, 'leased', 'session')
  await signedInStore(path)
  const lease = await acquireLease(new FileStore(path), { ...SESSION_LEASE_TIMING, wait: false, holder: 'connector-under-test' })
  t.after(() => lease.release())
  const { code, stdout, stderr } = await session(['export', '--telethon'], path)
  assert.equal(code, 1)
  assert.equal(stdout, '')
  assert.match(stderr, /^session: the session at file:.* is in use by connector-under-test .*stop the other instance first\n$/)
})

test('show tells an encrypted store\'s state with the key, what it can without it, and prints no secret', async () => {
  const key = randomBytes(32)
  const path = join(directory, 'encrypted', 'session')
  const stored = await signedInStore(path, key)

  const withKey = await session(['show'], path, { SESSION_ENCRYPTION_KEY: key.toString('hex') })
  assert.equal(withKey.code, 0, withKey.stderr)
  const lines = Object.fromEntries(withKey.stdout.trim().split('\n').map((line) => {
    const [, label, value] = /^(\S+(?: \S+)?)\s{2,}(.*)$/.exec(line)!
    return [label, value]
  }))
  assert.equal(lines.store, `file:${path}`)
  assert.equal(lines.holds, "this service's session record")
  assert.equal(lines.encrypted, 'yes (AES-256-GCM)')
  assert.equal(lines['signed in'], 'yes')
  assert.equal(lines.DC, `${emulator.dcId} (${emulator.host}:${emulator.port})`)
  assert.equal(lines['pending sign-in'], 'none')
  assert.equal(lines.lease, 'free (no lease)')
  assert.ok(Math.abs(Date.parse(lines.written!) - Date.now()) < 120_000, lines.written)

  const withoutKey = await session(['show'], path)
  assert.equal(withoutKey.code, 0, withoutKey.stderr)
  assert.match(withoutKey.stdout, /^encrypted\s+yes \(AES-256-GCM\)$/m)
  assert.match(withoutKey.stdout, /^unreadable\s+the stored session is encrypted: set SESSION_ENCRYPTION_KEY$/m)
  assert.match(withoutKey.stdout, /^signed in\s+unknown/m)
  assert.match(withoutKey.stdout, /^written\s+\d{4}-/m)

  const wrongKey = await session(['show'], path, { SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex') })
  assert.equal(wrongKey.code, 1)
  assert.match(wrongKey.stdout, /^unreadable\s+the stored session does not decrypt with SESSION_ENCRYPTION_KEY/m)

  const lease = await acquireLease(new FileStore(path), { ...SESSION_LEASE_TIMING, wait: false, holder: 'connector-under-test' })
  const whileHeld = await session(['show'], path, { SESSION_ENCRYPTION_KEY: key.toString('hex') })
  await lease.release()
  assert.match(whileHeld.stdout, /^lease\s+held by connector-under-test since \S+, until \S+ unless renewed$/m)

  for (const output of [withKey, withoutKey, wrongKey, whileHeld]) assertNoSecret(output.stdout + output.stderr, stored.authKey)
})

test('--help says the exported string is the account; a bad command is a usage error', async () => {
  const help = await session(['--help'], join(directory, 'none'))
  assert.equal(help.code, 0)
  assert.match(help.stdout, /The exported string IS the account/)
  assert.match(help.stdout, /export --telethon --to <URL>/)
  const bad = await session(['export'], join(directory, 'none'))
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^session: export needs --telethon/)
})
