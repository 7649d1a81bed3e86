/**
 * POST /sign_in end to end (docs/spec.md §3): HTTP → gateway → mtcute over TCP → the emulator, with
 * the session in a real file store. One emulator serves every test; each test signs in its own
 * phone number on its own service and store.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { parseSessionRecord } from '../../src/sessions/session-record.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { assertProblem } from '../helpers/problem.ts'

/** The emulator's clock runs this far ahead of the wall clock; tests move it to expire codes. */
let clockOffsetMs = 0
let emulator: Emulator
let nextPhone = 0
/** A fresh account per test: the emulator creates it on its first sign-in. */
const phone = (): string => `+1555300${String(1000 + nextPhone++)}`

before(async () => {
  emulator = await startEmulator({ seed: 11, clock: () => Date.now() + clockOffsetMs })
})
after(async () => {
  await emulator.stop()
})

async function service(t: { after(fn: () => Promise<void>): void }, extra: Partial<Parameters<typeof startService>[0]> = {}): Promise<Service> {
  const started = await startService({ sharedEmulator: emulator, ...extra })
  t.after(() => started.close())
  return started
}

async function health(url: string): Promise<{ authorized: boolean }> {
  return (await fetch(`${url}/health`)).json() as Promise<{ authorized: boolean }>
}

function storePath(s: Service): string {
  assert.ok(s.store instanceof FileStore)
  return s.store.path
}

async function requestCode(s: Service, p: string): Promise<void> {
  const response = await signIn(s.url, { phone: p })
  assert.equal(response.status, 206)
  const body = await response.json() as { next: string, hint: unknown, timeout: unknown }
  assert.equal(body.next, 'code')
  assert.ok(body.timeout === null || typeof body.timeout === 'number')
}

test('a phone and the code (as "password") sign in over HTTP, and /health reports it', async (t) => {
  const s = await service(t)
  const p = phone()
  assert.equal((await health(s.url)).authorized, false)
  await requestCode(s, p)
  const second = await signIn(s.url, { phone: p, password: emulator.lastCode(p) })
  assert.equal(second.status, 200)
  assert.equal(await second.text(), '')
  const { telegram, ...status } = await (await fetch(`${s.url}/health`)).json() as { telegram: string }
  assert.deepEqual(status, { status: 'ok', authorized: true, sandbox: false })
  // With updates disabled mtcute re-opens its session after the login (network-manager
  // notifyLoggedIn → resetSessions), so the link may still be coming back up.
  assert.ok(telegram === 'connected' || telegram === 'connecting', telegram)
  // Signed in: any body, even one for another phone, is answered 200 with an empty body.
  const again = await signIn(s.url, { phone: '+19998887766' })
  assert.equal(again.status, 200)
  assert.equal(await again.text(), '')
})

test('the code may be sent as "code", the alias of "password"', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  const response = await signIn(s.url, { phone: p, code: emulator.lastCode(p) })
  assert.equal(response.status, 200)
  assert.equal((await health(s.url)).authorized, true)
})

test('the session file is written with mode 0600 before the 200 is sent', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  // The pending sign-in is in the store as soon as the 206 is answered.
  const pending = parseSessionRecord(await readFile(storePath(s)))
  assert.equal(pending.session, null)
  assert.equal(pending.pendingSignIn?.step, 'code')
  assert.equal(pending.pendingSignIn?.phone, p.slice(1))

  const response = await signIn(s.url, { phone: p, password: emulator.lastCode(p) })
  assert.equal(response.status, 200)
  // Read at once, before anything else can save: the 200 promised the session is there.
  const [bytes, info] = await Promise.all([readFile(storePath(s)), stat(storePath(s))])
  const saved = parseSessionRecord(bytes)
  assert.ok(saved.session !== null && saved.session.length > 100)
  assert.equal(saved.pendingSignIn, null)
  assert.equal(info.mode & 0o777, 0o600)
})

test('an account with two-step verification answers 206 with the hint, 401 for a wrong password, then 200', async (t) => {
  const s = await service(t)
  const p = phone()
  emulator.setTwoFactorPassword(p, 'correct horse battery', 'the horse')
  await requestCode(s, p)

  const afterCode = await signIn(s.url, { phone: p, password: emulator.lastCode(p) })
  assert.equal(afterCode.status, 206)
  assert.deepEqual(await afterCode.json(), { next: 'two_factor_password', hint: 'the horse', timeout: null })
  assert.equal((await health(s.url)).authorized, false)

  await assertProblem(await signIn(s.url, { phone: p, two_factor_password: 'wrong staple' }), 401, 'PASSWORD_HASH_INVALID')
  assert.equal((await health(s.url)).authorized, false)

  const done = await signIn(s.url, { phone: p, two_factor_password: 'correct horse battery' })
  assert.equal(done.status, 200)
  assert.equal(await done.text(), '')
  assert.equal((await health(s.url)).authorized, true)
  const saved = parseSessionRecord(await readFile(storePath(s)))
  assert.ok(saved.session !== null)
  assert.equal(saved.pendingSignIn, null)
  // Neither password reaches the log.
  assert.ok(!s.logText().includes('correct horse battery'))
  assert.ok(!s.logText().includes('wrong staple'))
})

test('an emulator-wide two-step password is asked for with no hint', async (t) => {
  const withPassword = await startEmulator({ seed: 12, twoFactorPassword: 'everyone-has-this' })
  t.after(() => withPassword.stop())
  const s = await startService({ sharedEmulator: withPassword })
  t.after(() => s.close())
  const p = phone()
  await requestCode(s, p)
  const afterCode = await signIn(s.url, { phone: p, code: withPassword.lastCode(p) })
  assert.equal(afterCode.status, 206)
  assert.deepEqual(await afterCode.json(), { next: 'two_factor_password', hint: null, timeout: null })
  const done = await signIn(s.url, { phone: p, two_factor_password: 'everyone-has-this' })
  assert.equal(done.status, 200)
})

test('a wrong code is 400 PHONE_CODE_INVALID and the right code still signs in afterwards', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  const code = emulator.lastCode(p)
  assert.ok(code !== undefined)
  const wrong = code === '00000' ? '11111' : '00000'
  const problem = await assertProblem(await signIn(s.url, { phone: p, password: wrong }), 400, 'PHONE_CODE_INVALID')
  assert.ok(!problem.detail.includes(wrong))
  assert.equal((await health(s.url)).authorized, false)
  assert.equal((await signIn(s.url, { phone: p, password: code })).status, 200)
})

test('a code sent after it expired is 410 PHONE_CODE_EXPIRED, and a new code then signs in', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  // The emulator's codes live 300 seconds, as Telegram's do.
  clockOffsetMs += 301_000
  await assertProblem(await signIn(s.url, { phone: p, password: emulator.lastCode(p) }), 410, 'PHONE_CODE_EXPIRED')
  assert.equal((await health(s.url)).authorized, false)
  await requestCode(s, p)
  assert.equal((await signIn(s.url, { phone: p, password: emulator.lastCode(p) })).status, 200)
})

test('a code with no pending sign-in for that phone is 409 NO_PENDING_SIGN_IN', async (t) => {
  const s = await service(t)
  const p = phone()
  await assertProblem(await signIn(s.url, { phone: p, password: '12345' }), 409, 'NO_PENDING_SIGN_IN')
  // A pending sign-in for another phone does not count.
  await requestCode(s, p)
  await assertProblem(await signIn(s.url, { phone: phone(), password: '12345' }), 409, 'NO_PENDING_SIGN_IN')
  // The two-step password before the code is accepted is out of turn, too.
  await assertProblem(await signIn(s.url, { phone: p, two_factor_password: 'whatever' }), 409, 'NO_PENDING_SIGN_IN')
  assert.equal((await health(s.url)).authorized, false)
})

test('an invalid phone number is 400 PHONE_NUMBER_INVALID, whether the service or Telegram notices', async (t) => {
  const s = await service(t)
  const sendCodes = emulator.faults.counters.get('auth.sendCode')
  await assertProblem(await signIn(s.url, { phone: 'call me maybe' }), 400, 'PHONE_NUMBER_INVALID')
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes)
  // Digits enough for the service, too few for Telegram.
  await assertProblem(await signIn(s.url, { phone: '+12345' }), 400, 'PHONE_NUMBER_INVALID')
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes + 1)
})

test('a restart between asking for the code and sending it keeps the pending sign-in and its auth key', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  const sendCodes = emulator.faults.counters.get('auth.sendCode')
  await s.restart()
  assert.equal((await health(s.url)).authorized, false)
  const response = await signIn(s.url, { phone: p, password: emulator.lastCode(p) })
  assert.equal(response.status, 200)
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes)
  assert.equal((await health(s.url)).authorized, true)
})

test('a process that dies after the 206 leaves the pending sign-in in the store for the next one', async (t) => {
  const first = await service(t)
  const p = phone()
  await requestCode(first, p)
  // A second process on the same store, while the first never got to save at shutdown.
  const second = await service(t, { store: first.store })
  const response = await signIn(second.url, { phone: p, password: emulator.lastCode(p) })
  assert.equal(response.status, 200)
  assert.equal((await health(second.url)).authorized, true)
  const saved = parseSessionRecord(await readFile(storePath(first)))
  assert.ok(saved.session !== null)
})

test('a restart after signing in is signed in without a new login', async (t) => {
  const s = await service(t)
  const p = phone()
  await requestCode(s, p)
  assert.equal((await signIn(s.url, { phone: p, password: emulator.lastCode(p) })).status, 200)
  const sendCodes = emulator.faults.counters.get('auth.sendCode')
  const signIns = emulator.faults.counters.get('auth.signIn')

  await s.restart()
  assert.equal((await health(s.url)).authorized, true)
  const response = await signIn(s.url, { phone: p })
  assert.equal(response.status, 200)
  const messages = await fetch(`${s.url}/messages?start_time=2000-01-01T00:00:00Z`)
  assert.equal(messages.status, 200)
  assert.ok(Array.isArray(await messages.json()))
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes)
  assert.equal(emulator.faults.counters.get('auth.signIn'), signIns)
})
