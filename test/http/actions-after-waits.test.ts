/**
 * An action Telegram carried out is never reported as failed because something looked up after
 * it met a flood wait: a join's newest message date comes back null, a code's password hint
 * comes back null, and a leave or a sign-out looks nothing up afterwards at all, so flood waits
 * running on every other method leave them whole. Against the emulator, its waits injected.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { WorldChannel } from '@telegram-connector/emulator/testing'
import { signIn, signInWithCode, startService, type Service } from '../helpers/service.ts'
import { memberChannels } from '../helpers/world-messages.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { assertProblem } from '../helpers/problem.ts'

const NOW = 1_750_000_000
const HISTORY = 'messages.getHistory'

let emulator: Emulator
let service: Service

before(async () => {
  emulator = await startEmulator({
    world: { seed: 21, channels: 3, messagesPerChannel: 50, spanSeconds: 86_400, now: NOW, discoverableChannels: 2, privateChannels: 2 },
  })
  service = await startService({ sharedEmulator: emulator, now: () => NOW * 1000 })
  await signInWithCode(service.url, emulator, '+15554200001')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const post = (path: string, body: unknown, url = service.url): Promise<Response> =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function listed(): Promise<number[]> {
  const response = await fetch(`${service.url}/channels`)
  assert.equal(response.status, 200)
  return ((await response.json()) as Array<{ id: number }>).map((channel) => channel.id)
}

test('a join Telegram carried out is 201 with last_message_date null when the newest message meets a flood wait; the account is in the channel', async () => {
  const channel = emulator.world.channels.find((c) => !c.memberByDefault && c.username !== undefined)!
  emulator.faults.floodWait(HISTORY, 120, { times: 1 })
  const response = await post('/channels', { username: channel.username })
  assert.equal(response.status, 201)
  const body = (await response.json()) as { id: number; last_message_date: string | null }
  assert.equal(body.id, channel.id)
  assert.equal(body.last_message_date, null)
  assert.ok((await listed()).includes(channel.id))
})

test('a join by invite link Telegram carried out is 201 too when the lookup after it meets a flood wait', async () => {
  const invite = [...emulator.world.invites.values()].find((i) => i.kind === 'open')!
  emulator.faults.floodWait(HISTORY, 300, { times: 1 })
  const response = await post('/channels', { link: `https://t.me/+${invite.hash}` })
  assert.equal(response.status, 201)
  const body = (await response.json()) as { id: number; last_message_date: string | null }
  assert.equal(body.id, invite.channelId)
  assert.equal(body.last_message_date, null)
  assert.ok((await listed()).includes(invite.channelId))
  emulator.faults.clear(HISTORY)
})

test('a leave is 204 and the account is out while history and every other read are in flood waits: nothing is looked up after it', async () => {
  const channel: WorldChannel = memberChannels(emulator.world).find((c) => c.username !== undefined)!
  emulator.faults.floodWait(HISTORY, 300)
  try {
    const leaves = emulator.faults.counters.get('channels.leaveChannel')
    const response = await fetch(`${service.url}/channels/${channel.username}`, { method: 'DELETE' })
    assert.equal(response.status, 204)
    assert.equal(emulator.faults.counters.get('channels.leaveChannel'), leaves + 1)
    assert.ok(!(await listed()).includes(channel.id))
  } finally {
    emulator.faults.clear(HISTORY)
  }
})

test('a code Telegram took is 206 for the password with hint null when account.getPassword meets a flood wait; the password then signs in', async () => {
  const phone = '+15554200002'
  emulator.setTwoFactorPassword(phone, 'correct horse', 'the horse')
  const clock = new ManualClock(NOW * 1000)
  const other = await startService({ sharedEmulator: emulator, now: () => NOW * 1000, gateway: { clock } })
  try {
    assert.equal((await signIn(other.url, { phone })).status, 206)
    emulator.faults.floodWait('account.getPassword', 30, { times: 1 })
    const afterCode = await signIn(other.url, { phone, password: emulator.lastCode(phone) })
    assert.equal(afterCode.status, 206)
    assert.deepEqual(await afterCode.json(), { next: 'two_factor_password', hint: null, timeout: null })
    // The wait the hint met still runs: the password is asked for when it is over, not sent into it.
    const early = await signIn(other.url, { phone, two_factor_password: 'correct horse' })
    await assertProblem(early, 429, 'FLOOD_WAIT')
    assert.equal(early.headers.get('retry-after'), '30')
    clock.advance(30_000)
    const done = await signIn(other.url, { phone, two_factor_password: 'correct horse' })
    assert.equal(done.status, 200)
  } finally {
    await other.close()
  }
})

test('a sign-out Telegram carried out is 200 and the session cleared while every other method is in a flood wait; nothing is looked up after auth.logOut', async () => {
  const other = await startService({ sharedEmulator: emulator, now: () => NOW * 1000 })
  try {
    await signInWithCode(other.url, emulator, '+15554200003')
    const looked = (): number[] => [HISTORY, 'messages.getDialogs', 'users.getUsers'].map((method) => emulator.faults.counters.get(method))
    const before = looked()
    const logOuts = emulator.faults.counters.get('auth.logOut')
    emulator.faults.floodWait(HISTORY, 300).floodWait('messages.getDialogs', 300).floodWait('users.getUsers', 300).floodWait('updates.getState', 300)
    const response = await post('/sign_out', {}, other.url)
    assert.equal(response.status, 200)
    assert.equal(emulator.faults.counters.get('auth.logOut'), logOuts + 1)
    assert.deepEqual(looked(), before, 'nothing looked up around it')
    const health = (await (await fetch(`${other.url}/health`)).json()) as { authorized: boolean }
    assert.equal(health.authorized, false)
  } finally {
    emulator.faults.clear()
    await other.close()
  }
})
