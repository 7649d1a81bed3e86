import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../src/core/errors.ts'
import { loadSessionRecord, saveSessionRecord } from '../../src/sessions/session-persistence.ts'
import { startHarness, type Harness } from './gateway-fixture.ts'

let h: Harness
let nextPhone = 0
/** A fresh account for every test: the emulator creates it on first sign-in. */
const phone = (): string => `+1555${String(1_000_000 + nextPhone++).slice(1)}`

before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

const isAppError = (code: string) => (err: unknown) => err instanceof AppError && err.code === code

test('a phone number gets a code, and the code signs in and saves the session before answering', async () => {
  const p = phone()
  const store = h.store(`code-${p}`)
  const gateway = await h.open(store)
  assert.deepEqual(gateway.status().authorized, false)

  const first = await gateway.signIn({ phone: p })
  assert.equal(first.done, false)
  assert.equal(first.done === false && first.next, 'code')
  const pending = (await loadSessionRecord(store, null)).pendingSignIn
  assert.equal(pending?.step, 'code')
  assert.equal(pending?.phone, p.slice(1))
  assert.ok(pending !== null && pending.phoneCodeHash.length > 0)

  const code = h.emulator.lastCode(p)
  assert.ok(code !== undefined)
  assert.deepEqual(await gateway.signIn({ phone: p, code }), { done: true })
  const saved = await loadSessionRecord(store, null)
  assert.equal(saved.pendingSignIn, null)
  assert.ok(saved.session !== null && saved.session.length > 100)
  assert.equal(gateway.status().authorized, true)
  // Signed in: any body is answered 200.
  assert.deepEqual(await gateway.signIn({ phone: '+1 000' }), { done: true })
})

test('the phone number may be written with spaces, dashes and brackets', async () => {
  const p = phone()
  const gateway = await h.open(h.store(`format-${p}`))
  const written = `+${p.slice(1, 2)} (${p.slice(2, 5)}) ${p.slice(5, 8)}-${p.slice(8)}`
  await gateway.signIn({ phone: written })
  assert.deepEqual(await gateway.signIn({ phone: p, code: h.emulator.lastCode(p) }), { done: true })
})

test('a wrong code is PHONE_CODE_INVALID and the right one still signs in afterwards', async () => {
  const p = phone()
  const gateway = await h.open(h.store(`wrong-${p}`))
  await gateway.signIn({ phone: p })
  await assert.rejects(gateway.signIn({ phone: p, code: '00000' }), isAppError('PHONE_CODE_INVALID'))
  assert.equal(gateway.status().authorized, false)
  assert.deepEqual(await gateway.signIn({ phone: p, code: h.emulator.lastCode(p) }), { done: true })
})

test('a code with no pending sign-in for that phone is NO_PENDING_SIGN_IN', async () => {
  const p = phone()
  const gateway = await h.open(h.store(`none-${p}`))
  await assert.rejects(gateway.signIn({ phone: p, code: '12345' }), isAppError('NO_PENDING_SIGN_IN'))
  await gateway.signIn({ phone: p })
  await assert.rejects(gateway.signIn({ phone: phone(), code: '12345' }), isAppError('NO_PENDING_SIGN_IN'))
  await assert.rejects(gateway.signIn({ phone: p, twoFactorPassword: 'secret' }), isAppError('NO_PENDING_SIGN_IN'))
})

test('an invalid phone number is PHONE_NUMBER_INVALID, whether we or Telegram notice', async () => {
  const gateway = await h.open(h.store('invalid-phone'))
  const sendCodesBefore = h.emulator.faults.counters.get('auth.sendCode')
  await assert.rejects(gateway.signIn({ phone: 'call me' }), isAppError('PHONE_NUMBER_INVALID'))
  assert.equal(h.emulator.faults.counters.get('auth.sendCode'), sendCodesBefore)
  await assert.rejects(gateway.signIn({ phone: '+12345' }), isAppError('PHONE_NUMBER_INVALID'))
  assert.equal(h.emulator.faults.counters.get('auth.sendCode'), sendCodesBefore + 1)
})

test('a restart between asking for the code and sending it keeps the pending sign-in and its auth key', async () => {
  const p = phone()
  const store = h.store(`restart-${p}`)
  const first = await h.open(store)
  await first.signIn({ phone: p })
  await first.close()

  const sendCodes = h.emulator.faults.counters.get('auth.sendCode')
  const second = await h.open(store)
  assert.equal(second.status().authorized, false)
  assert.deepEqual(await second.signIn({ phone: p, code: h.emulator.lastCode(p) }), { done: true })
  assert.equal(h.emulator.faults.counters.get('auth.sendCode'), sendCodes)
})

test('a code checked on another auth key than the one that asked for it is PHONE_CODE_EXPIRED', async () => {
  const p = phone()
  const store = h.store(`other-key-${p}`)
  const asking = await h.open(store)
  await asking.signIn({ phone: p })
  await asking.close()

  // Another client (another auth key) asks for a code of its own; its key replaces ours.
  const otherStore = h.store(`other-key-b-${p}`)
  const other = await h.open(otherStore)
  await other.signIn({ phone: phone() })
  await other.close()
  const ours = await loadSessionRecord(store, null)
  const theirs = await loadSessionRecord(otherStore, null)
  assert.ok(ours.pendingSignIn !== null && theirs.pendingSignIn !== null)
  await saveSessionRecord(store, null, { ...ours, pendingSignIn: { ...ours.pendingSignIn, session: theirs.pendingSignIn.session } })

  const moved = await h.open(store)
  await assert.rejects(moved.signIn({ phone: p, code: h.emulator.lastCode(p) }), isAppError('PHONE_CODE_EXPIRED'))
  assert.equal(moved.status().authorized, false)
})

test('an account with two-step verification asks for its password, refuses a wrong one, and accepts the right one', async () => {
  const p = phone()
  h.emulator.setTwoFactorPassword(p, 'correct horse', 'a horse')
  const store = h.store(`2fa-${p}`)
  const gateway = await h.open(store)
  await gateway.signIn({ phone: p })
  assert.deepEqual(await gateway.signIn({ phone: p, code: h.emulator.lastCode(p) }), {
    done: false,
    next: 'two_factor_password',
    hint: 'a horse',
  })
  const pending = (await loadSessionRecord(store, null)).pendingSignIn
  assert.equal(pending?.step, 'two_factor_password')
  assert.equal(pending?.hint, 'a horse')

  await assert.rejects(gateway.signIn({ phone: p, twoFactorPassword: 'battery staple' }), (err: unknown) =>
    err instanceof AppError && err.code === 'PASSWORD_HASH_INVALID' && err.status === 401)
  // Sending the code again only repeats the question.
  assert.deepEqual(await gateway.signIn({ phone: p, code: h.emulator.lastCode(p) }), {
    done: false,
    next: 'two_factor_password',
    hint: 'a horse',
  })
  assert.deepEqual(await gateway.signIn({ phone: p, twoFactorPassword: 'correct horse' }), { done: true })
  const saved = await loadSessionRecord(store, null)
  assert.ok(saved.session !== null)
  assert.equal(saved.pendingSignIn, null)
})

test('the code and the two-step password may come in one request', async () => {
  const p = phone()
  h.emulator.setTwoFactorPassword(p, 'pw-in-one-go')
  const gateway = await h.open(h.store(`2fa-one-${p}`))
  await gateway.signIn({ phone: p })
  assert.deepEqual(await gateway.signIn({ phone: p, code: h.emulator.lastCode(p), twoFactorPassword: 'pw-in-one-go' }), { done: true })
  assert.equal(gateway.status().authorized, true)
})

test('a restart between the code and the two-step password keeps the sign-in going', async () => {
  const p = phone()
  h.emulator.setTwoFactorPassword(p, 'after-restart')
  const store = h.store(`2fa-restart-${p}`)
  const first = await h.open(store)
  await first.signIn({ phone: p })
  await first.signIn({ phone: p, code: h.emulator.lastCode(p) })
  await first.close()

  const second = await h.open(store)
  assert.deepEqual(await second.signIn({ phone: p, code: h.emulator.lastCode(p) }), { done: false, next: 'two_factor_password', hint: null })
  assert.deepEqual(await second.signIn({ phone: p, twoFactorPassword: 'after-restart' }), { done: true })
})

test('logs never hold the login code, the two-step password or the session', async () => {
  const p = phone()
  h.emulator.setTwoFactorPassword(p, 'never-logged-pw')
  const store = h.store(`logs-${p}`)
  const gateway = await h.open(store)
  await gateway.signIn({ phone: p })
  await gateway.signIn({ phone: p, code: 'wrong-code-9' }).catch(() => {})
  await gateway.signIn({ phone: p, code: h.emulator.lastCode(p) })
  await gateway.signIn({ phone: p, twoFactorPassword: 'bad-pw-logged?' }).catch(() => {})
  await gateway.signIn({ phone: p, twoFactorPassword: 'never-logged-pw' })
  await gateway.close()
  const record = await loadSessionRecord(store, null)
  const text = h.log.text()
  assert.ok(h.log.lines.length > 0)
  for (const secret of ['never-logged-pw', 'bad-pw-logged?', 'wrong-code-9', record.session!.slice(0, 40)]) {
    assert.equal(text.includes(secret), false, `the log holds ${secret.slice(0, 8)}…`)
  }
})

test('a flood wait on a QR poll is passed on as FLOOD_WAIT, and polling during it does not call Telegram', async () => {
  const gateway = await h.open(h.store('flood-qr'))
  h.emulator.faults.floodWait('auth.exportLoginToken', 90, { times: 1 })
  await assert.rejects(gateway.signInQr(), (err: unknown) =>
    err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 90 && err.status === 429)
  const calls = h.emulator.faults.counters.get('auth.exportLoginToken')
  await assert.rejects(gateway.signInQr(), (err: unknown) =>
    err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter !== undefined && err.retryAfter <= 90)
  assert.equal(h.emulator.faults.counters.get('auth.exportLoginToken'), calls)
})

test('a flood wait on asking for a code is passed on as FLOOD_WAIT with its seconds, not waited out', async () => {
  const gateway = await h.open(h.store('flood-send-code'))
  h.emulator.faults.floodWait('auth.sendCode', 120, { times: 1 })
  const started = performance.now()
  await assert.rejects(gateway.signIn({ phone: phone() }), (err: unknown) =>
    err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 120 && err.status === 429)
  assert.ok(performance.now() - started < 5000)
  // The wait is the account's: asking again meanwhile is refused without calling Telegram.
  const calls = h.emulator.faults.counters.get('auth.sendCode')
  await assert.rejects(gateway.signIn({ phone: phone() }), (err: unknown) =>
    err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter !== undefined && err.retryAfter <= 120)
  assert.equal(h.emulator.faults.counters.get('auth.sendCode'), calls)
})
