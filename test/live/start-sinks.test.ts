/**
 * Both sinks configured together (WEBHOOK_* and NATS_*), started as the service starts them:
 * each reads the whole feed on its own, so a webhook that is away holds back only itself, and
 * the metrics tell them apart.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { Registry } from 'prom-client'
import { startSinks, type LiveSinks } from '../../src/live/sinks/start-sinks.ts'
import { createSinkMetrics } from '../../src/metrics/sink-metrics.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { pumpClock, type ClockPump } from '../helpers/clock-pump.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { ListedLiveFeed, interleavedPosts } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { connectReader, startNatsServer, storedMessages, type NatsServer } from '../helpers/nats-server.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
let nats: NatsServer
let reader: NatsConnection
let receiver: WebhookReceiver
let directory: string
let sinks: LiveSinks | undefined
let pump: ClockPump

before(async () => {
  nats = await startNatsServer()
  reader = await connectReader(nats)
  receiver = await startWebhookReceiver()
  directory = await mkdtemp(join(tmpdir(), 'start-sinks-'))
})
after(async () => {
  pump?.stop()
  await sinks?.stop()
  await reader?.close()
  await nats?.close()
  await receiver?.close()
  await rm(directory, { recursive: true, force: true })
})

test('a webhook and a stream configured together each get the whole feed, and one away holds back only itself', async () => {
  const clock = new ManualClock(T0)
  pump = pumpClock(clock)
  const registry = new Registry()
  const events = interleavedPosts([5_000_000_001, 5_000_000_002], 20, T0 / 1000)
  const feed = new ListedLiveFeed(events.slice(0, 10))
  const log = recordingLog()
  sinks = startSinks({
    webhook: { url: `${receiver.url}?token=query-Kx81`, secret: 'together-secret', timeoutMs: 5_000 },
    nats: { servers: [nats.url], stream: 'TOGETHER', subjectPrefix: 'together', creds: null, user: null, password: null, token: null },
    sessionEncryptionKey: null,
    liveChannels: null,
  }, {
    feed,
    store: new FileStore(join(directory, 'session')),
    log,
    metrics: createSinkMetrics(registry),
    clock,
    natsTiming: { publishTimeoutMs: 500, reconnectWaitMs: 50, connectTimeoutMs: 1_000 },
  })
  assert.deepEqual(sinks.statuses().map((status) => status.sink), ['webhook', 'nats'])
  await waitUntil(() => receiver.acknowledged().length === 10, 'the webhook has the first ten')
  await waitUntil(async () => (await storedMessages(reader, 'TOGETHER')).length === 10, 'the stream has the first ten')

  await receiver.stop()
  feed.append(...events.slice(10))
  await waitUntil(async () => (await storedMessages(reader, 'TOGETHER')).length === 20, 'the stream goes on while the webhook is away')
  const [webhook, stream] = sinks.statuses()
  assert.equal(webhook!.pending, 10)
  assert.equal(stream!.pending, 0)
  const text = await registry.metrics()
  assert.match(text, /^sink_events_delivered_total\{sink="nats"\} 20$/m)
  assert.match(text, /^sink_events_delivered_total\{sink="webhook"\} 10$/m)
  assert.match(text, /^sink_events_pending\{sink="webhook"\} 10$/m)

  await receiver.start()
  await waitUntil(() => receiver.acknowledged().length === 20, 'the webhook catches up')
  assert.deepEqual(receiver.acknowledged().map((request) => request.delivery.id), events.map((e) => e.id))
  // The webhook is named in the log by its host alone: the query's token stays out.
  assert.ok(!JSON.stringify(log.entries).includes('query-Kx81'))
  assert.ok(log.entries.some((entry) => (entry.obj as { host?: string }).host === new URL(receiver.url).host))
})

test('LIVE_CHANNELS limits what the sinks deliver to those channels', async () => {
  // The receiver is up again at the end of the test before.
  await sinks?.stop()
  pump?.stop()
  const clock = new ManualClock(T0)
  pump = pumpClock(clock)
  const before = receiver.acknowledged().length
  const [kept, dropped] = [5_000_000_101, 5_000_000_102]
  const events = interleavedPosts([kept, dropped], 12, T0 / 1000 + 100)
  const feed = new ListedLiveFeed(events)
  sinks = startSinks({
    webhook: { url: receiver.url, secret: 'chosen-secret', timeoutMs: 5_000 },
    nats: null,
    sessionEncryptionKey: null,
    liveChannels: new Set([kept]),
  }, { feed, store: new FileStore(join(directory, 'chosen', 'session')), log: recordingLog(), clock })
  await waitUntil(() => receiver.acknowledged().length === before + 6, 'the webhook has the chosen channel\'s six')
  const delivered = receiver.acknowledged().slice(before).map((request) => request.delivery.id)
  assert.deepEqual(delivered, events.filter((event) => event.channelId === kept).map((event) => event.id))
})
