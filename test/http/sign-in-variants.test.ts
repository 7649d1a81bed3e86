/**
 * The code sign-in's other answers over HTTP: a code sent again (SMS, then a call, then no way
 * left), a number with no account, a number that must set up a login e-mail first; and the
 * account endpoints: GET /me and POST /sign_out, after which a sign-in works at once.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { assertProblem } from '../helpers/problem.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'

let emulator: Emulator
let serial = 0
const phone = (): string => `+1555600${1000 + serial++}`

before(async () => {
  emulator = await startEmulator({ seed: 15 })
})
after(() => emulator.stop())

async function service(t: { after(fn: () => Promise<void>): void }): Promise<Service> {
  const started = await startService({ sharedEmulator: emulator })
  t.after(() => started.close())
  return started
}

async function signedIn(s: Service, p: string): Promise<void> {
  assert.equal((await signIn(s.url, { phone: p })).status, 206)
  assert.equal((await signIn(s.url, { phone: p, code: emulator.lastCode(p) })).status, 200)
}

test('resend asks for the pending code again by SMS, then by a call, then says no way is left; the code still signs in', async (t) => {
  const s = await service(t)
  const p = phone()
  const first = await signIn(s.url, { phone: p })
  assert.deepEqual(await first.json(), { next: 'code', hint: null, timeout: 60, delivery: 'app' })
  const sms = await signIn(s.url, { phone: p, resend: true })
  assert.equal(sms.status, 206)
  assert.deepEqual(await sms.json(), { next: 'code', hint: null, timeout: 60, delivery: 'sms' })
  const call = await signIn(s.url, { phone: p, resend: true })
  assert.deepEqual(await call.json(), { next: 'code', hint: null, timeout: null, delivery: 'call' })
  await assertProblem(await signIn(s.url, { phone: p, resend: true }), 409, 'SEND_CODE_UNAVAILABLE')
  assert.equal(emulator.faults.counters.get('auth.resendCode') >= 3, true)
  assert.equal((await signIn(s.url, { phone: p, code: emulator.lastCode(p) })).status, 200)
})

test('resend with nothing pending for that phone asks for a first code', async (t) => {
  const s = await service(t)
  const response = await signIn(s.url, { phone: phone(), resend: true })
  assert.equal(response.status, 206)
  assert.equal(((await response.json()) as { delivery: string }).delivery, 'app')
})

test('a phone with no Telegram account is told to sign up with an official app', async (t) => {
  const s = await service(t)
  const p = phone()
  emulator.setUnregistered(p)
  assert.equal((await signIn(s.url, { phone: p })).status, 206)
  const problem = await assertProblem(await signIn(s.url, { phone: p, code: emulator.lastCode(p) }), 400, 'PHONE_NUMBER_UNOCCUPIED')
  assert.match(problem.detail, /sign up/i)
  assert.equal((await loadSessionRecord(s.store, null)).session, null)
})

test('a phone that must set up a login e-mail is told how, before any code is asked for', async (t) => {
  const s = await service(t)
  const p = phone()
  emulator.setEmailSetupRequired(p)
  const problem = await assertProblem(await signIn(s.url, { phone: p }), 403, 'EMAIL_SETUP_REQUIRED')
  assert.match(problem.detail, /e-mail/)
  assert.equal((await loadSessionRecord(s.store, null)).pendingSignIn, null)
})

test('a body without a phone is a 400 unless a QR sign-in waits for its password', async (t) => {
  const s = await service(t)
  await assertProblem(await signIn(s.url, { code: '12345' }), 400, 'BAD_REQUEST')
  await assertProblem(await signIn(s.url, { two_factor_password: 'x' }), 400, 'BAD_REQUEST')
})

test('GET /me shows the id, username and name, never the phone number; 401 when not signed in', async (t) => {
  const s = await service(t)
  await assertProblem(await fetch(`${s.url}/me`), 401, 'NOT_SIGNED_IN')
  const p = phone()
  await signedIn(s, p)
  const response = await fetch(`${s.url}/me`)
  assert.equal(response.status, 200)
  const text = await response.text()
  const me = JSON.parse(text) as Record<string, unknown>
  assert.deepEqual(Object.keys(me).sort(), ['first_name', 'id', 'last_name', 'name', 'username'])
  assert.equal(typeof me.id, 'number')
  assert.equal(me.name, `${String(me.first_name)} ${String(me.last_name)}`)
  assert.ok(!text.includes(p.slice(1)), 'no phone number')
})

test('POST /sign_out logs out at Telegram, clears the stored session, and a sign-in works again at once', async (t) => {
  const s = await service(t)
  const p = phone()
  await signedIn(s, p)
  const me = (await (await fetch(`${s.url}/me`)).json()) as { id: number }
  assert.equal(emulator.accounts.keysOf(me.id).length, 1)
  const logOuts = emulator.faults.counters.get('auth.logOut')

  const out = await fetch(`${s.url}/sign_out`, { method: 'POST' })
  assert.equal(out.status, 200)
  assert.equal(emulator.faults.counters.get('auth.logOut'), logOuts + 1)
  assert.equal(emulator.accounts.keysOf(me.id).length, 0, 'Telegram no longer has the key signed in')
  assert.deepEqual(await loadSessionRecord(s.store, null), { version: 1, session: null, pendingSignIn: null })
  assert.equal(((await (await fetch(`${s.url}/health`)).json()) as { authorized: boolean }).authorized, false)
  await assertProblem(await fetch(`${s.url}/me`), 401, 'NOT_SIGNED_IN')
  // Signing out again is harmless.
  assert.equal((await fetch(`${s.url}/sign_out`, { method: 'POST' })).status, 200)

  await signedIn(s, phone())
  assert.equal(((await (await fetch(`${s.url}/health`)).json()) as { authorized: boolean }).authorized, true)
  // A restart after that keeps the new login.
  await s.restart()
  assert.equal((await fetch(`${s.url}/me`)).status, 200)
})
