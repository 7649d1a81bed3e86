/**
 * /health and /metrics show how the live feed's sinks are doing (SPEC §6, §8): per sink, its
 * state, what is pending and how far behind; a target away is "unreachable", and the
 * document stays the same as before for a service with no sink.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DeliveryLoop } from '../../src/live/sinks/delivery-loop.ts'
import { WebhookSink } from '../../src/live/sinks/webhook-sink.ts'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { createSinkMetrics } from '../../src/metrics/sink-metrics.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { pumpClock, type ClockPump } from '../helpers/clock-pump.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { ListedLiveFeed, interleavedPosts } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { startService, type Service } from '../helpers/service.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
let service: Service
let plain: Service
let receiver: WebhookReceiver
let loop: DeliveryLoop
let pump: ClockPump
const clock = new ManualClock(T0)
const feed = new ListedLiveFeed()

before(async () => {
  receiver = await startWebhookReceiver()
  const metrics = createServiceMetrics({ processMetrics: false })
  const sinkMetrics = createSinkMetrics(metrics.registry)
  service = await startService({ emulator: { world: { seed: 3, channels: 1, messagesPerChannel: 1, spanSeconds: 3_600, now: T0 / 1000 } }, metrics, sinks: () => [loop.status()] })
  assert.ok(service.store instanceof FileStore)
  const sink = new WebhookSink({ url: receiver.url, secret: 'health-secret', timeoutMs: 5_000, store: service.store, storeKey: null, clock })
  loop = DeliveryLoop.start({ sink, feed, log: recordingLog(), clock, random: () => 0.5, metrics: sinkMetrics })
  sinkMetrics.watch(() => loop.status())
  plain = await startService({ sharedEmulator: service.emulator })
  pump = pumpClock(clock)
})
after(async () => {
  pump?.stop()
  await loop?.stop()
  await plain?.close()
  await service?.close()
  await receiver?.close()
})

async function health(url: string): Promise<Record<string, unknown> & { sinks?: Record<string, Record<string, unknown>> }> {
  const response = await fetch(`${url}/health`)
  assert.equal(response.status, 200)
  return response.json() as Promise<Record<string, unknown> & { sinks?: Record<string, Record<string, unknown>> }>
}

test('a service with no sink answers /health as before', async () => {
  assert.deepEqual(Object.keys(await health(plain.url)).sort(), ['authorized', 'sandbox', 'status', 'telegram'])
})

test('/health and /metrics say when the webhook is away, what is pending and how far behind', async () => {
  const events = interleavedPosts([4_000_000_001], 6, T0 / 1000)
  feed.append(...events.slice(0, 2))
  await waitUntil(() => receiver.acknowledged().length === 2, 'two delivered')
  await waitUntil(() => loop.status().pending === 0, 'caught up')
  assert.deepEqual((await health(service.url)).sinks, {
    webhook: { state: 'ok', pending: 0, lag_seconds: 0, delivered: 2, refused: 0, retries: 0, error: null },
  })

  await receiver.stop()
  feed.append(...events.slice(2))
  await waitUntil(() => loop.status().retries >= 2, 'retrying')
  const away = (await health(service.url)).sinks!.webhook!
  assert.equal(away.state, 'unreachable')
  assert.equal(away.pending, 4)
  assert.equal(away.error, 'ECONNREFUSED')
  assert.ok((away.lag_seconds as number) > 0)
  const text = await (await fetch(`${service.url}/metrics`)).text()
  assert.match(text, /^sink_up\{sink="webhook"\} 0$/m)
  assert.match(text, /^sink_events_pending\{sink="webhook"\} 4$/m)
  assert.match(text, /^sink_events_delivered_total\{sink="webhook"\} 2$/m)

  await receiver.start()
  await waitUntil(() => receiver.acknowledged().length === 6 && loop.status().pending === 0, 'all delivered')
  const back = (await health(service.url)).sinks!.webhook!
  assert.equal(back.state, 'ok')
  assert.equal(back.delivered, 6)
})

test('the OpenAPI document describes the sinks in /health', async () => {
  const document = await (await fetch(`${service.url}/openapi.json`)).json() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { properties?: Record<string, unknown> }> } }> }> } }> }
  const schema = document.paths['/health']!.get.responses['200']!.content['application/json']!.schema
  assert.deepEqual(Object.keys(schema.properties.sinks!.properties!).sort(), ['nats', 'webhook'])
})
