/**
 * Secrets never leak (docs/spec.md §3, §5; src/logger.ts): a whole life — sign in over HTTP with a code
 * and a two-step password (wrong attempts included), read /messages, shut down — then every
 * log line written and every error body answered is searched for the login code, the 2FA
 * password, the phone_code_hash, the session strings, the auth key (hex, base64, base64url),
 * the phone number (mtcute logs a stray answer holding the user object),
 * the API token and the session encryption key. None may appear. The stored session, encrypted
 * with SESSION_ENCRYPTION_KEY, holds none of them in clear either, and a wrong key is refused
 * with an error that names the variable.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'

const NOW = 1_750_000_000
const PHONE = '+15557003456'
/** Distinctive values, so that a match in the log cannot be a timestamp or a port by chance. */
const CODE = 'Kq7319zX'
const TWO_FACTOR_PASSWORD = 'correct horse battery staple 42'
const WRONG_PASSWORD = 'wrong-horse-Zp93'
const API_TOKEN = 'tok_secret_Vb81nQ2w'
const SESSION_KEY = randomBytes(32)

let emulator: Emulator
let service: Service
let storePath: string
/** The session file as the shutdown left it (close() removes the helper's directory). */
let storedAtShutdown: Buffer
const errorBodies: string[] = []
/** Secrets learnt along the way, by what they are. */
const secrets = new Map<string, string>()

before(async () => {
  emulator = await startEmulator({ code: CODE, world: { seed: 9, channels: 2, messagesPerChannel: 30, spanSeconds: 86_400, now: NOW } })
  service = await startService({ sharedEmulator: emulator, apiToken: API_TOKEN, sessionKey: SESSION_KEY })
  assert.ok(service.store instanceof FileStore)
  storePath = service.store.path
})
after(async () => {
  await emulator?.stop()
})

const auth = { authorization: `Bearer ${API_TOKEN}` }

/** Sends a request and keeps the body of any error answer. */
async function call(response: Promise<Response>): Promise<Response> {
  const answer = await response
  if (answer.status >= 400) errorBodies.push(`${answer.status} ${await answer.clone().text()}`)
  return answer
}

function variants(name: string, bytes: Buffer): Array<[string, string]> {
  return [
    [`${name} (hex)`, bytes.toString('hex')],
    [`${name} (base64)`, bytes.toString('base64')],
    [`${name} (base64url)`, bytes.toString('base64url')],
    // A part of it is a leak as well.
    [`${name}, first 24 bytes (hex)`, bytes.subarray(0, 24).toString('hex')],
    [`${name}, first 24 bytes (base64)`, bytes.subarray(0, 24).toString('base64')],
  ]
}

test('a whole sign-in with a code and a two-step password, a read and a shutdown run with the secrets in hand', async () => {
  emulator.setTwoFactorPassword(PHONE.slice(1), TWO_FACTOR_PASSWORD, 'the usual')
  const step1 = await call(signIn(service.url, { phone: PHONE }, auth))
  assert.equal(step1.status, 206)
  const pending = (await loadSessionRecord(new FileStore(storePath), SESSION_KEY)).pendingSignIn
  assert.ok(pending && pending.method !== 'qr')
  secrets.set('phone_code_hash', pending.phoneCodeHash)
  secrets.set('the pending sign-in session string', pending.session)
  assert.equal(emulator.lastCode(PHONE), CODE)

  // Mistakes that come back as errors, each carrying a secret in the request.
  assert.equal((await call(signIn(service.url, { phone: PHONE, password: 'Wr0ngC0de' }, auth))).status, 400)
  assert.equal((await call(signIn(service.url, { phone: PHONE, password: { code: CODE } }, auth))).status, 400)
  assert.equal((await call(signIn(service.url, { phone: '+1', password: CODE }, auth))).status, 400)
  assert.equal((await call(fetch(`${service.url}/sign_in`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: `{"phone":"${PHONE}","password":"${CODE}"` }))).status, 400)
  assert.equal((await call(signIn(service.url, { phone: PHONE, password: CODE }, { authorization: `Bearer ${API_TOKEN}x` }))).status, 401)

  const step2 = await call(signIn(service.url, { phone: PHONE, password: CODE }, auth))
  assert.equal(step2.status, 206)
  assert.equal(((await step2.json()) as { next: string }).next, 'two_factor_password')
  assert.equal((await call(signIn(service.url, { phone: PHONE, two_factor_password: WRONG_PASSWORD }, auth))).status, 401)
  assert.equal((await call(signIn(service.url, { phone: PHONE, two_factor_password: [TWO_FACTOR_PASSWORD] }, auth))).status, 400)
  // The answer that signs in (auth.authorization, with the user and its phone) reaches mtcute
  // a second time, for a request it never sent: mtcute logs that at warn level.
  emulator.faults.strayAnswer('auth.checkPassword', { times: 1 })
  assert.equal((await call(signIn(service.url, { phone: PHONE, two_factor_password: TWO_FACTOR_PASSWORD }, auth))).status, 200)

  const record = await loadSessionRecord(new FileStore(storePath), SESSION_KEY)
  assert.ok(record.session)
  secrets.set('the signed-in session string', record.session)

  const start = new Date((NOW - 2 * 86_400) * 1000).toISOString()
  const messages = await call(fetch(`${service.url}/messages?start_time=${start}&end_time=${new Date(NOW * 1000).toISOString()}`, { headers: auth }))
  assert.equal(messages.status, 200)
  assert.ok(((await messages.json()) as unknown[]).length > 0)
  assert.equal((await call(fetch(`${service.url}/messages?start_time=tomorrow`, { headers: auth }))).status, 400)
  await service.gateway.close()
  storedAtShutdown = await readFile(storePath)
  await service.close()

  for (const [i, entry] of emulator.dc(emulator.dcId).authKeys.toJSON().keys.entries()) {
    for (const [name, value] of variants(`auth key #${i}`, Buffer.from(entry.key, 'base64'))) secrets.set(name, value)
  }
  assert.ok(emulator.dc(emulator.dcId).authKeys.toJSON().keys.length >= 1)
  secrets.set('the phone number', PHONE.slice(1))
  secrets.set('the login code', CODE)
  secrets.set('the two-step password', TWO_FACTOR_PASSWORD)
  secrets.set('a wrong two-step password', WRONG_PASSWORD)
  secrets.set('the API token', API_TOKEN)
  for (const [name, value] of variants('the session encryption key', SESSION_KEY)) secrets.set(name, value)
})

test('no log line holds any of the secrets', () => {
  const log = service.logText()
  // The log is real: it saw the sign-in, the errors and the shutdown.
  assert.match(log, /signed in to Telegram; session saved/)
  assert.match(log, /"statusCode":401/)
  assert.match(log, /"mtcute":"[^"]+".*received rpc_result for unknown message/, 'mtcute reported the stray answer')
  assert.ok(secrets.size >= 18, `${secrets.size} secrets`)
  const lines = log.split('\n')
  const found = [...secrets]
    .filter(([, value]) => log.includes(value))
    .map(([name, value]) => `${name}: ${lines.find((line) => line.includes(value))?.slice(0, 300)}`)
  assert.deepEqual(found, [])
})

test('no error body holds any of the secrets', () => {
  assert.ok(errorBodies.length >= 7)
  const found: string[] = []
  for (const body of errorBodies) {
    for (const [name, value] of secrets) if (body.includes(value)) found.push(`${name} in ${body.slice(0, 80)}`)
  }
  assert.deepEqual(found, [])
})

test('the stored session is encrypted: the file holds none of the secrets in clear', async () => {
  const stored = storedAtShutdown.toString('utf8')
  assert.match(stored, /"alg":"A256GCM"/)
  const found = [...secrets].filter(([, value]) => stored.includes(value)).map(([name]) => name)
  assert.deepEqual(found, [])
})

test('a wrong SESSION_ENCRYPTION_KEY is refused with an error naming the variable, not the key', async () => {
  const wrongKey = randomBytes(32)
  const store = { read: async () => storedAtShutdown } as unknown as FileStore
  await assert.rejects(loadSessionRecord(store, wrongKey), (err: unknown) => {
    assert.ok(err instanceof SessionStoreError)
    assert.equal(err.code, 'SESSION_KEY_MISMATCH')
    assert.match(err.message, /SESSION_ENCRYPTION_KEY/)
    assert.ok(!err.message.includes(wrongKey.toString('hex')) && !err.message.includes(SESSION_KEY.toString('hex')))
    return true
  })
  await assert.rejects(loadSessionRecord(store, null), (err: unknown) =>
    err instanceof SessionStoreError && err.code === 'SESSION_KEY_REQUIRED' && /SESSION_ENCRYPTION_KEY/.test(err.message))
})
