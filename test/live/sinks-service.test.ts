/**
 * The sinks through the whole service (docs/spec.md §8): the emulator posts, edits and deletes in its
 * channels; the service's live feed takes them from Telegram over MTProto, and its sinks —
 * started as src/main.ts starts them — deliver them to a webhook receiver on loopback and to
 * a real `nats-server -js`. A restart with posts made while the service was down delivers
 * exactly what was missed to both; /health and /metrics say how the sinks are doing.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import type { NatsConnection } from '@nats-io/transport-node'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { CURSOR_HEADER } from '../../src/live/sinks/nats-message.ts'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { pumpClock, type ClockPump } from '../helpers/clock-pump.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { NATS_DEFAULTS, connectReader, startNatsServer, storedMessages, type NatsServer } from '../helpers/nats-server.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver, type WebhookRequest } from '../helpers/webhook-receiver.ts'

const NOW = Math.floor(Date.now() / 1000)
const WORLD = { seed: 33, channels: 2, messagesPerChannel: 20, spanSeconds: 3_600, now: NOW }
const SECRET = 'whsec_service_Hq27'
const NATS = NATS_DEFAULTS

let emulator: Emulator
let nats: NatsServer
let reader: NatsConnection
let receiver: WebhookReceiver
let service: Service
let plain: Service
let pump: ClockPump
const clock = new ManualClock(NOW * 1000)

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  nats = await startNatsServer()
  reader = await connectReader(nats)
  receiver = await startWebhookReceiver()
  pump = pumpClock(clock)
  service = await startService({
    sharedEmulator: emulator,
    metrics: createServiceMetrics({ processMetrics: false }),
    sinks: {
      webhook: { url: receiver.url, secret: SECRET, timeoutMs: 5_000 },
      nats: { servers: [nats.url], ...NATS },
      clock,
      natsTiming: { publishTimeoutMs: 500, reconnectWaitMs: 50, connectTimeoutMs: 1_000 },
    },
  })
  plain = await startService({ sharedEmulator: emulator })
  await signInWithCode(service.url, emulator, '+15557000909')
  await waitForSinks()
})
after(async () => {
  pump?.stop()
  await plain?.close()
  await service?.close()
  await reader?.close()
  await nats?.close()
  await receiver?.close()
  await emulator?.stop()
})

/** Both sinks found where to resume and subscribed. */
async function waitForSinks(): Promise<void> {
  await waitUntil(() => service.sinks.statuses().every((status) => status.state === 'ok'), 'both sinks are delivering')
}

function post(channelIndex: number, text: string): { channel: number, id: number } {
  const channel = emulator.world.channels[channelIndex]!
  const id = channel.log.nextId()
  emulator.post(channel.id, text)
  return { channel: channel.id, id }
}

/** What the webhook was given, as [event, channel, message id or deleted ids]. */
const webhookView = (requests: WebhookRequest[]): unknown[] => requests.map(({ delivery }) => {
  const data = delivery.data as { id?: number, ids?: number[], channel_id?: number, peer_id?: { channel_id: number } }
  return [delivery.event, data.peer_id?.channel_id ?? data.channel_id, data.id ?? data.ids]
})

async function streamView(): Promise<unknown[]> {
  return (await storedMessages(reader, NATS.stream)).map((message) => {
    const [, event, channel] = message.subject.split('.')
    const data = message.json<{ id?: number, ids?: number[] }>()
    return [event, Number(channel), data.id ?? data.ids]
  })
}

/** A Standard Webhooks library is given `whsec_` + base64 of a secret not of that form. */
const standard = new Webhook(`whsec_${Buffer.from(SECRET).toString('base64')}`)

/** Both signatures: X-Connector-Signature, and Standard Webhooks checked by the standardwebhooks package, webhook-id the event's id. */
function signatureVerifies(request: WebhookRequest): boolean {
  const { t, v1 } = Object.fromEntries(String(request.headers['x-connector-signature']).split(',').map((part) => part.split('='))) as { t: string, v1: string }
  const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) }
  // The sinks' clock is pumped ahead of real time, past the library's five-minute tolerance
  // for verify(): its own sign() for that timestamp must give the header sent.
  assert.equal(headers['webhook-signature'], standard.sign(headers['webhook-id'], new Date(Number(headers['webhook-timestamp']) * 1000), request.body))
  assert.ok(request.delivery.id.startsWith(`${headers['webhook-id']}/`), 'the cursor begins with the event\'s id')
  assert.equal(headers['webhook-timestamp'], t)
  return createHmac('sha256', SECRET).update(`${t}.${request.body}`).digest('hex') === v1
}

test('posts, edits and deletions made in Telegram reach the webhook and the stream, in order and signed', async () => {
  const first = post(0, 'sink one')
  const second = post(1, 'sink two')
  const third = post(0, 'sink three')
  emulator.edit(first.channel, first.id, 'sink one, edited')
  const deletion = emulator.delete(third.channel, [third.id])
  const expected = [
    ['message', first.channel, first.id],
    ['message', second.channel, second.id],
    ['message', third.channel, third.id],
    ['edit', first.channel, first.id],
    ['delete', third.channel, [third.id]],
  ]
  await waitUntil(() => receiver.acknowledged().length === 5, 'five webhook deliveries')
  await waitUntil(async () => (await streamView()).length === 5, 'five messages in the stream')
  // Channels may interleave; within each, Telegram's order.
  const byChannel = (view: unknown[]) => [...view].sort((a, b) => (a as [string, number])[1] - (b as [string, number])[1])
  assert.deepEqual(byChannel(webhookView(receiver.acknowledged())), byChannel(expected))
  assert.deepEqual(byChannel(await streamView()), byChannel(expected))
  assert.ok(receiver.requests.every(signatureVerifies))

  // The same events, with the same cursors, and the data as GET /messages/live gives it.
  const stored = await storedMessages(reader, NATS.stream)
  assert.deepEqual(stored.map((message) => message.header.get(CURSOR_HEADER)), receiver.acknowledged().map((request) => request.delivery.id))
  const messageIds = stored.map((message) => message.header.get('Nats-Msg-Id'))
  // One event, one id: the cursor (the SSE id, the webhook's id) begins with the Nats-Msg-Id.
  for (const message of stored) assert.ok(message.header.get(CURSOR_HEADER).startsWith(`${message.header.get('Nats-Msg-Id')}/`))
  assert.ok(messageIds.includes(`${first.channel}:${first.id}`))
  assert.ok(messageIds.includes(`${third.channel}:delete:${deletion.pts}`), 'a deletion is named by its pts')
  const edit = receiver.acknowledged().find((request) => request.delivery.event === 'edit')!
  assert.equal((edit.delivery.data as { message: string }).message, 'sink one, edited')
  assert.ok(messageIds.some((id) => id.startsWith(`${first.channel}:${first.id}:edit:`)))
})

test('a restart with posts made while the service was down delivers exactly what was missed, to both', async () => {
  const before = receiver.acknowledged().length
  const missed: Array<{ channel: number, id: number }> = []
  await service.restart(() => {
    missed.push(post(1, 'while down one'), post(0, 'while down two'), post(1, 'while down three'))
  })
  await waitForSinks()
  const after = post(0, 'after the restart')
  const expected = [...missed, after].map(({ channel, id }) => ['message', channel, id])
  await waitUntil(() => receiver.acknowledged().length === before + 4, 'the missed posts and the new one delivered')
  await waitUntil(async () => (await streamView()).length === before + 4, 'and published')
  const sorted = (view: unknown[]) => [...view].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  assert.deepEqual(sorted(webhookView(receiver.acknowledged().slice(before))), sorted(expected))
  assert.deepEqual(sorted((await streamView()).slice(before)), sorted(expected))
  const ids = receiver.acknowledged().map((request) => request.delivery.id)
  assert.equal(new Set(ids).size, ids.length, 'nothing delivered twice')
  assert.ok(receiver.requests.every(signatureVerifies))
})

test('/health and /metrics say when the webhook is away, what is pending and how far behind', async () => {
  const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { sinks?: Record<string, Record<string, unknown>> }
  const delivered = receiver.acknowledged().length
  assert.deepEqual(Object.keys((await health(service.url)).sinks ?? {}).sort(), ['nats', 'webhook'])
  assert.equal((await health(plain.url)).sinks, undefined, 'a service with no sink answers as before')

  await receiver.stop()
  post(0, 'while the receiver is away')
  post(1, 'and another')
  await waitUntil(() => service.sinks.statuses().find((status) => status.sink === 'webhook')!.retries >= 2, 'the webhook retrying')
  const away = (await health(service.url)).sinks!
  assert.equal(away.webhook!.state, 'unreachable')
  assert.equal(away.webhook!.pending, 2)
  assert.equal(away.webhook!.error, 'ECONNREFUSED')
  assert.equal(away.nats!.state, 'ok')
  const metrics = await (await fetch(`${service.url}/metrics`)).text()
  assert.match(metrics, /^sink_up\{sink="webhook"\} 0$/m)
  assert.match(metrics, /^sink_up\{sink="nats"\} 1$/m)
  assert.match(metrics, /^sink_events_pending\{sink="webhook"\} 2$/m)

  await receiver.start()
  await waitUntil(() => receiver.acknowledged().length === delivered + 2, 'delivered once the receiver is back')
  await waitUntil(async () => (await health(service.url)).sinks!.webhook!.state === 'ok', 'healthy again')

  assert.ok(!service.logText().includes(SECRET), 'the webhook secret is never logged')

  const document = await (await fetch(`${service.url}/openapi.json`)).json() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { properties?: Record<string, unknown> }> } }> }> } }> }
  const schema = document.paths['/health']!.get.responses['200']!.content['application/json']!.schema
  assert.deepEqual(Object.keys(schema.properties.sinks!.properties!).sort(), ['nats', 'webhook'])
})

test('a 410 from the receiver stops the webhook: /health says gone, the log says why, NATS goes on', async () => {
  const sent = receiver.requests.length
  receiver.respond = () => ({ status: 410 })
  post(0, 'to a gone webhook')
  post(1, 'and one more')
  await waitUntil(async () => ((await (await fetch(`${service.url}/health`)).json()) as { sinks: Record<string, { state: string }> }).sinks.webhook!.state === 'gone', '/health says gone')
  const health = (await (await fetch(`${service.url}/health`)).json()) as { sinks: Record<string, { state: string, error: string | null }> }
  assert.equal(health.sinks.webhook!.error, 'HTTP 410')
  assert.equal(health.sinks.nats!.state, 'ok')
  assert.equal(receiver.requests.length, sent + 1, 'one attempt, then no more')
  assert.match(service.logText(), /"level":50,[^\n]*"sink":"webhook"[^\n]*"reason":"HTTP 410"[^\n]*target is gone/)
  receiver.respond = () => ({ status: 204 })
})
