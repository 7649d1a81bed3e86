/**
 * The live feed when nobody is signed in, and when the login ends, through the whole service
 * and a living emulator: a sink's delivery loop backs off (on an injected clock) instead of
 * subscribing every second, and asks Telegram nothing; once signed in it delivers. A live SSE
 * stream whose login is signed out, or revoked by Telegram, gets an `end` event with the
 * reason, then the stream closes.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readStringSession } from '@mtcute/core/utils.js'
import { authKeyIdOf } from '@telegram-connector/emulator/testing'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const NOW = Math.floor(Date.now() / 1000)
const WORLD = { seed: 45, channels: 2, messagesPerChannel: 20, spanSeconds: 3_600, now: NOW }
const PHONE = '+15557000929'

let emulator: Emulator
let receiver: WebhookReceiver
let service: Service
const clock = new ManualClock(NOW * 1000)

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  receiver = await startWebhookReceiver()
  service = await startService({ sharedEmulator: emulator, sinks: { webhook: { url: receiver.url, secret: 'whsec_login_ends', timeoutMs: 2_000 }, clock } })
})
after(async () => {
  await service?.close()
  await receiver?.close()
  await emulator?.stop()
})

/** Reads a live stream to its end (the server closes it), as text. */
async function readToEnd(response: Response): Promise<string> {
  return await response.text()
}

test('with nobody signed in, a sink backs off and asks Telegram nothing; signed in, it delivers', async () => {
  const dialogs = emulator.faults.counters.get('messages.getDialogs')
  const delays: number[] = []
  // Twenty minutes on the sinks' clock, one sleep at a time.
  while (clock.now() < (NOW + 20 * 60) * 1000) {
    await clock.whenSleeping(1)
    await new Promise((resolve) => setImmediate(resolve))
    const wake = clock.nextWake!
    delays.push(wake - clock.now())
    clock.advance(wake - clock.now())
  }
  assert.ok(delays.length <= 40, `${delays.length} subscriptions in 20 minutes: ${delays.join(', ')}`)
  assert.ok(delays.at(-1)! >= 30_000, `the pause grew to ${delays.at(-1)} ms`)
  assert.equal(emulator.faults.counters.get('messages.getDialogs') - dialogs, 0, 'Telegram is asked nothing')
  const warnings = service.logText().split('\n').filter((line) => line.includes('the live feed failed'))
  assert.equal(warnings.length, 1, 'one warning for the whole outage')

  await signInWithCode(service.url, emulator, PHONE)
  const channel = emulator.world.channels[0]!
  const id = channel.log.nextId()
  emulator.post(channel.id, 'after signing in')
  const pump = setInterval(() => { if (clock.nextWake !== undefined) clock.advance(clock.nextWake - clock.now()) }, 10)
  try {
    await waitUntil(() => receiver.acknowledged().some((r) => (r.delivery.data as { id?: number }).id === id), 'the post delivered')
  } finally {
    clearInterval(pump)
  }
})

test('a live stream whose account is signed out gets an end event with the reason, then closes', async () => {
  const response = await fetch(`${service.url}/messages/live`)
  assert.equal(response.status, 200)
  const text = readToEnd(response)
  assert.equal((await fetch(`${service.url}/sign_out`, { method: 'POST' })).status, 200)
  const body = await text
  assert.match(body, /event: end\ndata: \{"reason":"signed_out","detail":"[^"]+"\}\n\n$/)
  assert.equal((await fetch(`${service.url}/messages/live`)).status, 401, 'a reconnection is told NOT_SIGNED_IN')
})

test('a live stream whose login Telegram revoked gets an end event with the reason, then closes', async () => {
  await signInWithCode(service.url, emulator, PHONE)
  const response = await fetch(`${service.url}/messages/live`)
  assert.equal(response.status, 200)
  const text = readToEnd(response)
  const record = await loadSessionRecord(service.store, null)
  emulator.accounts.logOut(authKeyIdOf(readStringSession(record.session!).authKey))
  // The service learns it at its next call, confirmed with a fresh one.
  assert.equal((await fetch(`${service.url}/me`)).status, 401)
  assert.match(await text, /event: end\ndata: \{"reason":"revoked","detail":"[^"]+"\}\n\n$/)
})
