/**
 * POST /sign_in/qr end to end (core.telegram.org/api/qr-login): HTTP → gateway → mtcute →
 * the emulator, whose module API accepts a token as the phone app does. The emulator's clock
 * runs ahead of the wall clock by an offset the tests move to expire tokens.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readStringSession } from '@mtcute/core/utils.js'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'

let clockOffsetMs = 0
let emulator: Emulator
let serial = 0
const phone = (dc = 2): string => (dc === 2 ? `+1555500${1000 + serial++}` : `+99966${dc}${3000 + serial++}`)

interface QrStep {
  next: string
  url?: string
  expires?: string
  qr_svg?: string
  hint?: string | null
}

before(async () => {
  emulator = await startEmulator({ seed: 14, clock: () => Date.now() + clockOffsetMs })
})
after(() => emulator.stop())

async function service(t: { after(fn: () => Promise<void>): void }): Promise<Service> {
  const started = await startService({ sharedEmulator: emulator })
  t.after(() => started.close())
  return started
}

async function qr(s: Service): Promise<{ status: number; body: QrStep | null }> {
  const response = await fetch(`${s.url}/sign_in/qr`, { method: 'POST' })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as QrStep) }
}

/** The token a phone app reads from the QR code. */
function tokenOf(url: string | undefined): Buffer {
  const match = /^tg:\/\/login\?token=([A-Za-z0-9_-]+)$/.exec(url ?? '')
  assert.ok(match, url)
  return Buffer.from(match[1]!, 'base64url')
}

async function authorized(s: Service): Promise<boolean> {
  return ((await (await fetch(`${s.url}/health`)).json()) as { authorized: boolean }).authorized
}

test('a QR code is offered, offered again unchanged while it is valid, and signs in once a phone accepts it', async (t) => {
  const s = await service(t)
  const first = await qr(s)
  assert.equal(first.status, 206)
  assert.equal(first.body?.next, 'scan')
  assert.match(first.body?.qr_svg ?? '', /<svg[\s\S]*<\/svg>/)
  assert.ok(Date.parse(first.body?.expires ?? '') > Date.now())
  const again = await qr(s)
  assert.equal(again.body?.url, first.body?.url)

  const p = phone()
  emulator.acceptLoginToken(tokenOf(first.body?.url), p)
  const done = await qr(s)
  assert.equal(done.status, 200)
  assert.equal(await authorized(s), true)
  const me = (await (await fetch(`${s.url}/me`)).json()) as { id: number }
  assert.equal(emulator.accounts.keysOf(me.id).length, 1, 'the account behind the scanned code is the one signed in')
  // Signed in: the same call answers 200.
  assert.equal((await qr(s)).status, 200)
})

test('an expired QR code is replaced by a fresh one, and the fresh one signs in', async (t) => {
  const s = await service(t)
  const first = await qr(s)
  clockOffsetMs += 31_000
  const renewed = await qr(s)
  assert.equal(renewed.status, 206)
  assert.notEqual(renewed.body?.url, first.body?.url)
  assert.throws(() => emulator.acceptLoginToken(tokenOf(first.body?.url), phone()))
  emulator.acceptLoginToken(tokenOf(renewed.body?.url), phone())
  assert.equal((await qr(s)).status, 200)
})

test('an account on another DC: the token moves there (LOGIN_TOKEN migration) and the session names that DC', async (t) => {
  const s = await service(t)
  const first = await qr(s)
  emulator.acceptLoginToken(tokenOf(first.body?.url), phone(4))
  const imports = emulator.faults.counters.get('auth.importLoginToken')
  assert.equal((await qr(s)).status, 200)
  assert.equal(emulator.faults.counters.get('auth.importLoginToken'), imports + 1)
  const record = await loadSessionRecord(s.store, null)
  assert.equal(readStringSession(record.session!).primaryDcs.main.id, 4)
})

test('with two-step verification the scan is followed by the password, sent without a phone', async (t) => {
  const s = await service(t)
  const p = phone()
  emulator.setTwoFactorPassword(p, 'qr secret', 'the qr hint')
  const first = await qr(s)
  emulator.acceptLoginToken(tokenOf(first.body?.url), p)
  const step = await qr(s)
  assert.equal(step.status, 206)
  assert.deepEqual(step.body, { next: 'two_factor_password', hint: 'the qr hint' })
  // Asked again, it still wants the password.
  assert.deepEqual((await qr(s)).body, { next: 'two_factor_password', hint: 'the qr hint' })
  assert.equal((await signIn(s.url, { two_factor_password: 'wrong' })).status, 401)
  assert.equal((await signIn(s.url, { two_factor_password: 'qr secret' })).status, 200)
  assert.equal(await authorized(s), true)
})

test('a restart while the code waits for its scan keeps the same code valid', async (t) => {
  const s = await service(t)
  const first = await qr(s)
  await s.restart()
  emulator.acceptLoginToken(tokenOf(first.body?.url), phone())
  assert.equal((await qr(s)).status, 200)
})

test('asked for image/svg+xml or image/png, a waiting QR code is answered as the image itself, as /docs shows it', async (t) => {
  const s = await service(t)
  const response = await fetch(`${s.url}/sign_in/qr`, { method: 'POST', headers: { accept: 'image/svg+xml' } })
  assert.equal(response.status, 206)
  assert.match(response.headers.get('content-type') ?? '', /^image\/svg\+xml/)
  assert.match(await response.text(), /^<svg[\s\S]*<\/svg>\s*$/)
  const png = await fetch(`${s.url}/sign_in/qr`, { method: 'POST', headers: { accept: 'image/png' } })
  assert.equal(png.status, 206)
  assert.equal(png.headers.get('content-type'), 'image/png')
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature')
  const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, { content: object }> } }> }
  assert.deepEqual(Object.keys(doc.paths['/sign_in/qr']!.post.responses['206']!.content).sort(), ['application/json', 'image/png', 'image/svg+xml'])
})
