/**
 * A sink loses nothing from its very first event (docs/spec.md §8), through the whole service: the
 * emulator posts, the webhook receiver on loopback and a real `nats-server -js` are both away
 * for the whole first run, still away across a restart (posts made while the service was
 * down), and then come back: every post from the sinks' first start arrives at both, the
 * duplicates at-least-once allows aside. Two edits of one message in one second both reach the
 * stream: each event has its own Nats-Msg-Id. With SINK_START_AT, a new sink begins with every
 * message dated after that time.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { NatsConnection } from '@nats-io/transport-node'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { pumpClock, type ClockPump } from '../helpers/clock-pump.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { NATS_DEFAULTS, connectReader, startNatsServer, storedMessages, type NatsServer } from '../helpers/nats-server.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const NOW = Math.floor(Date.now() / 1000)
const WORLD = { seed: 44, channels: 2, messagesPerChannel: 20, spanSeconds: 3_600, now: NOW }
const NATS = NATS_DEFAULTS

let emulator: Emulator
let nats: NatsServer
let receiver: WebhookReceiver
let service: Service
let reader: NatsConnection | undefined
let pump: ClockPump
const clock = new ManualClock(NOW * 1000)

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  nats = await startNatsServer()
  await nats.stop()
  receiver = await startWebhookReceiver()
  await receiver.stop()
  pump = pumpClock(clock, 5_000)
  service = await startService({
    sharedEmulator: emulator,
    sinks: {
      webhook: { url: receiver.url, secret: 'whsec_first_start', timeoutMs: 2_000 },
      nats: { servers: [nats.url], ...NATS },
      clock,
      natsTiming: { publishTimeoutMs: 300, reconnectWaitMs: 50, connectTimeoutMs: 300 },
    },
  })
  await signInWithCode(service.url, emulator, '+15557000919')
})
after(async () => {
  pump?.stop()
  await service?.close()
  await reader?.close()
  await nats?.close()
  await receiver?.close()
  await emulator?.stop()
})

const posts: string[] = []
function post(channelIndex: number, text: string): void {
  const channel = emulator.world.channels[channelIndex]!
  posts.push(`${channel.id}:${channel.log.nextId()}`)
  emulator.post(channel.id, text)
}

/** Posts delivered, as `<channel>:<id>`. */
const webhookPosts = (): Set<string> => new Set(receiver.acknowledged().filter((r) => r.delivery.event === 'message').map((r) => {
  const data = r.delivery.data as { id: number; peer_id: { channel_id: number } }
  return `${data.peer_id.channel_id}:${data.id}`
}))
async function streamPosts(): Promise<Set<string>> {
  const stored = await storedMessages(reader!, NATS.stream)
  return new Set(stored.filter((m) => m.subject.startsWith('telegram.message.')).map((m) => m.header.get('Nats-Msg-Id')))
}

const startsRecorded = (): number => service.logText().split('\n').filter((line) => line.includes('the sink starts here')).length

test('targets away for the whole first run and across a restart get every post from the sinks\' first start once back', async () => {
  await waitUntil(() => startsRecorded() === 2, 'both sinks recorded where they start')
  for (let i = 0; i < 4; i++) post(i % 2, `first run ${i}`)
  await service.restart(() => {
    for (let i = 0; i < 3; i++) post(i % 2, `while down ${i}`)
  })
  assert.equal(startsRecorded(), 2, 'the restart resumes from the recorded starts, it records none')
  for (let i = 0; i < 3; i++) post(i % 2, `second run ${i}`)
  await receiver.start()
  await nats.start()
  reader = await connectReader(nats)
  await waitUntil(() => posts.every((key) => webhookPosts().has(key)), 'every post at the webhook')
  await waitUntil(async () => { const got = await streamPosts(); return posts.every((key) => got.has(key)) }, 'every post in the stream')
  assert.equal(posts.length, 10)
})

test('two edits of one message in the same second both reach the stream, each with its own Nats-Msg-Id', async () => {
  const channel = emulator.world.channels[0]!
  const id = channel.log.nextId()
  emulator.post(channel.id, 'to be edited twice')
  const first = emulator.edit(channel.id, id, 'edit one')
  const second = emulator.edit(channel.id, id, 'edit two')
  assert.equal(first.date, second.date, 'the same second')
  const edits = async () => (await storedMessages(reader!, NATS.stream)).filter((m) => m.subject === `telegram.edit.${channel.id}` && m.json<{ id: number }>().id === id)
  await waitUntil(async () => (await edits()).length === 2, 'both edits in the stream')
  const stored = await edits()
  assert.deepEqual(stored.map((m) => m.json<{ message: string }>().message), ['edit one', 'edit two'])
  assert.deepEqual(stored.map((m) => m.header.get('Nats-Msg-Id')), [`${channel.id}:${id}:edit:${first.pts}`, `${channel.id}:${id}:edit:${second.pts}`])
})

test('SINK_START_AT: a new sink begins with every message dated after it, then goes live', async () => {
  const since = NOW - 1_800
  const other = await startWebhookReceiver()
  const started = await startService({ sharedEmulator: emulator, sinks: { webhook: { url: other.url, secret: 'whsec_start_at', timeoutMs: 2_000 }, sinkStartAt: since, clock } })
  try {
    await signInWithCode(started.url, emulator, '+15557000939')
    const window = (await (await fetch(`${started.url}/messages?start_time=${since}`)).json()) as Array<{ id: number; peer_id: { channel_id: number } }>
    const channel = emulator.world.channels[1]!
    const expected = new Set([...window.map((m) => `${m.peer_id.channel_id}:${m.id}`), `${channel.id}:${channel.log.nextId()}`])
    emulator.post(channel.id, 'after the start')
    const delivered = (): Set<string> => new Set(other.acknowledged().filter((r) => r.delivery.event === 'message').map((r) => {
      const data = r.delivery.data as { id: number; peer_id: { channel_id: number } }
      return `${data.peer_id.channel_id}:${data.id}`
    }))
    await waitUntil(() => [...expected].every((key) => delivered().has(key)), 'every message dated after SINK_START_AT, then the new post')
    assert.ok(window.length > 0, 'the world has messages in that window')
    assert.deepEqual(delivered(), expected, 'nothing dated before it')
  } finally {
    await started.close()
    await other.close()
  }
})
