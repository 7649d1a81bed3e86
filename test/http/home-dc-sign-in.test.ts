/**
 * Code sign-in over HTTP for accounts on any of the five DCs (docs/spec.md §3): the service starts on
 * the default DC, mtcute follows PHONE_MIGRATE, the pending sign-in and the saved session name
 * the home DC, and a restart — between the steps, or after — goes there directly.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readStringSession } from '@mtcute/core/utils.js'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'

let emulator: Emulator
let serial = 0
/** A fresh number on `dc` (the 99966XYYYY scheme) or, for DC 2, an ordinary one. */
const phoneOn = (dc: number): string => (dc === 2 ? `+1555400${1000 + serial++}` : `+99966${dc}${2000 + serial++}`)

before(async () => {
  emulator = await startEmulator({ seed: 12 })
})
after(() => emulator.stop())

async function service(t: { after(fn: () => Promise<void>): void }): Promise<Service> {
  const started = await startService({ sharedEmulator: emulator })
  t.after(() => started.close())
  return started
}

async function sessionDc(s: Service): Promise<number> {
  const record = await loadSessionRecord(s.store, null)
  const session = record.session ?? record.pendingSignIn?.session
  assert.ok(session)
  return readStringSession(session).primaryDcs.main.id
}

async function firstMessage(s: Service): Promise<Response> {
  return fetch(`${s.url}/messages?start_time=${Math.floor(Date.now() / 1000) - 86_400 * 30}`)
}

for (const dc of [1, 2, 4]) {
  test(`a phone homed on DC ${dc} signs in by code starting from the default DC, and the session names DC ${dc}`, async (t) => {
    const s = await service(t)
    const p = phoneOn(dc)
    assert.equal(emulator.accounts.homeDc(p), dc)
    assert.equal((await signIn(s.url, { phone: p })).status, 206)
    assert.equal(await sessionDc(s), dc, 'the pending sign-in is bound to a key on the home DC')
    assert.equal((await signIn(s.url, { phone: p, code: emulator.lastCode(p) })).status, 200)
    assert.equal(await sessionDc(s), dc)
    assert.equal((await firstMessage(s)).status, 200)
  })
}

test('a restart between the steps after a migration keeps the code valid: the pending sign-in names DC and key', async (t) => {
  const s = await service(t)
  const p = phoneOn(4)
  assert.equal((await signIn(s.url, { phone: p })).status, 206)
  await s.restart()
  const done = await signIn(s.url, { phone: p, code: emulator.lastCode(p) })
  assert.equal(done.status, 200, await done.text())
})

test('a restart after signing in on DC 4 connects to DC 4 directly and stays signed in', async (t) => {
  const s = await service(t)
  const p = phoneOn(4)
  await signIn(s.url, { phone: p })
  assert.equal((await signIn(s.url, { phone: p, code: emulator.lastCode(p) })).status, 200)
  const dc2 = emulator.dc(2).connectionsAccepted
  await s.restart()
  const response = await firstMessage(s)
  assert.equal(response.status, 200, await response.text())
  assert.equal(((await (await fetch(`${s.url}/health`)).json()) as { authorized: boolean }).authorized, true)
  assert.equal(emulator.dc(2).connectionsAccepted, dc2, 'nothing went to the default DC')
})
