/**
 * The behaviour every sink shares (src/live/sinks/sink.ts), run against each: the webhook
 * sink with a receiver on loopback and its cursor in a file store, and the NATS sink with a
 * real `nats-server -js`. Each is driven by a DeliveryLoop from a feed built over a list of
 * events; time is a ManualClock moved on whenever the loop backs off.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import type { NatsConfig } from '../../src/config/config.ts'
import { DeliveryLoop } from '../../src/live/sinks/delivery-loop.ts'
import { NatsSink } from '../../src/live/sinks/nats-sink.ts'
import { CURSOR_HEADER } from '../../src/live/sinks/nats-message.ts'
import type { Sink } from '../../src/live/sinks/sink.ts'
import { WebhookSink } from '../../src/live/sinks/webhook-sink.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { pumpClock } from '../helpers/clock-pump.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { EXACT_GROUPED_ID, ListedLiveFeed, interleavedPosts, liveEvent } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { connectReader, startNatsServer, storedMessages, type NatsServer } from '../helpers/nats-server.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
const CHANNELS = [1_000_000_001, 1_000_000_002, 1_000_000_003]

interface Arrival {
  id: string
  event: string
  channelId: number
  json: string
}

/** One sink's target, fresh for each test. */
interface SinkTarget {
  /** A new sink over the same target and saved state, as a new process would open it. */
  openSink(clock: ManualClock): Sink
  /** What the target holds, in the order it took it. */
  arrivals(): Promise<Arrival[]>
  takeDown(): Promise<void>
  bringBack(): Promise<void>
  close(): Promise<void>
}

function startLoop(target: SinkTarget, feed: ListedLiveFeed, clock: ManualClock, extra: { channels?: ReadonlySet<number> } = {}): DeliveryLoop {
  return DeliveryLoop.start({ sink: target.openSink(clock), feed, log: recordingLog(), clock, random: () => 0.5, ...extra })
}

async function arrivedIds(target: SinkTarget): Promise<string[]> {
  return (await target.arrivals()).map((arrival) => arrival.id)
}

function sinkContract(freshTarget: () => Promise<SinkTarget>): void {
  let target: SinkTarget
  let clock: ManualClock
  let pump: ReturnType<typeof pumpClock>
  const loops: DeliveryLoop[] = []
  const start = (feed: ListedLiveFeed, extra: { channels?: ReadonlySet<number> } = {}): DeliveryLoop => {
    const loop = startLoop(target, feed, clock, extra)
    loops.push(loop)
    return loop
  }
  const until = async (count: number): Promise<void> => {
    await waitUntil(async () => (await target.arrivals()).length >= count, `${count} events arrived`)
  }

  test.beforeEach(async () => {
    target = await freshTarget()
    clock = new ManualClock(T0)
    pump = pumpClock(clock)
  })
  test.afterEach(async () => {
    pump.stop()
    for (const loop of loops.splice(0)) await loop.stop()
    await target.close()
  })

  test('every event of the feed arrives once, in the feed\'s order, with its data as written', async () => {
    const events = [
      ...interleavedPosts(CHANNELS, 12, T0 / 1000),
      liveEvent('edit', CHANNELS[0]!, 100, T0 / 1000 + 30),
      liveEvent('delete', CHANNELS[1]!, 101, T0 / 1000 + 31, [101, 102]),
    ]
    const loop = start(new ListedLiveFeed(events))
    await until(events.length)
    const arrivals = await target.arrivals()
    assert.deepEqual(arrivals.map((a) => a.id), events.map((e) => e.id))
    assert.deepEqual(arrivals.map((a) => [a.event, a.channelId]), events.map((e) => [e.event, e.channelId]))
    assert.deepEqual(arrivals.map((a) => a.json), events.map((e) => e.json))
    assert.ok(arrivals[0]!.json.includes(`"grouped_id":${EXACT_GROUPED_ID}`))
    await waitUntil(() => loop.status().delivered === events.length && loop.status().pending === 0, 'the loop counted every delivery')
    assert.equal(loop.status().lagSeconds, 0)
    assert.equal(loop.status().state, 'ok')
  })

  test('a sink that has delivered nothing starts with what is posted from now on', async () => {
    assert.equal(await target.openSink(clock).open(), null)
  })

  test('a sink opened again resumes right after the last delivered event', async () => {
    const events = interleavedPosts(CHANNELS, 20, T0 / 1000)
    const feed = new ListedLiveFeed(events.slice(0, 8))
    const first = start(feed)
    await until(8)
    await waitUntil(() => first.status().delivered === 8, 'the first loop delivered 8')
    await first.stop()
    assert.equal(await target.openSink(clock).open(), events[7]!.id)
    feed.append(...events.slice(8))
    start(feed)
    await until(20)
    assert.deepEqual(await arrivedIds(target), events.map((e) => e.id))
    assert.deepEqual(feed.subscriptions, ['start:0', events[7]!.id])
  })

  test('while the target is away nothing is lost, and delivery catches up in order when it is back', async () => {
    const events = interleavedPosts(CHANNELS, 15, T0 / 1000)
    const feed = new ListedLiveFeed(events.slice(0, 5))
    const loop = start(feed)
    await until(5)
    await target.takeDown()
    feed.append(...events.slice(5))
    await waitUntil(() => loop.status().retries >= 2, 'two attempts failed')
    const away = loop.status()
    assert.equal(away.state, 'retrying')
    assert.equal(away.pending, 10)
    assert.ok(away.lagSeconds > 0)
    assert.notEqual(away.lastError, null)
    await target.bringBack()
    await until(15)
    assert.deepEqual(await arrivedIds(target), events.map((e) => e.id))
    await waitUntil(() => loop.status().state === 'ok' && loop.status().pending === 0, 'the loop is caught up')
    assert.equal(loop.status().lastError, null)
  })

  test('a feed that ends by itself is subscribed to again after the last delivered event', async () => {
    const events = interleavedPosts(CHANNELS, 10, T0 / 1000)
    const feed = new ListedLiveFeed(events.slice(0, 4))
    const loop = start(feed)
    await until(4)
    await waitUntil(() => loop.status().delivered === 4, 'four delivered')
    feed.endAll()
    await waitUntil(() => feed.subscriptions.length === 2, 'a second subscription')
    feed.append(...events.slice(4))
    await until(10)
    assert.deepEqual(feed.subscriptions, ['start:0', events[3]!.id])
    assert.deepEqual(await arrivedIds(target), events.map((e) => e.id))
  })

  test('only the channels asked for are delivered', async () => {
    const events = interleavedPosts(CHANNELS, 12, T0 / 1000)
    const wanted = new Set([CHANNELS[0]!, CHANNELS[2]!])
    start(new ListedLiveFeed(events), { channels: wanted })
    const expected = events.filter((e) => wanted.has(e.channelId))
    await until(expected.length)
    assert.deepEqual(await arrivedIds(target), expected.map((e) => e.id))
  })
}

describe('webhook sink', () => {
  sinkContract(async () => {
    const receiver: WebhookReceiver = await startWebhookReceiver()
    const directory = await mkdtemp(join(tmpdir(), 'webhook-sink-'))
    const store = new FileStore(join(directory, 'session'))
    return {
      openSink: (clock) => new WebhookSink({ url: receiver.url, secret: 'contract-secret', timeoutMs: 5_000, store, storeKey: null, clock }),
      arrivals: async () => receiver.acknowledged().map(({ delivery, body }) => ({
        id: delivery.id,
        event: delivery.event,
        channelId: (delivery.data as { peer_id?: { channel_id: number }, channel_id?: number }).peer_id?.channel_id ?? (delivery.data as { channel_id: number }).channel_id,
        // The data exactly as it was sent: the raw body past the envelope's "data" key.
        json: body.slice(body.indexOf('"data":') + '"data":'.length, -1),
      })),
      takeDown: () => receiver.stop(),
      bringBack: () => receiver.start(),
      async close() {
        await receiver.close()
        await rm(directory, { recursive: true, force: true })
      },
    }
  })
})

describe('NATS sink', () => {
  let server: NatsServer
  let reader: NatsConnection
  let streams = 0
  before(async () => {
    server = await startNatsServer()
    reader = await connectReader(server)
  })
  after(async () => {
    await reader?.close()
    await server?.close()
  })

  sinkContract(async () => {
    // A stream of its own per test, on the same server.
    const name = `CONTRACT${++streams}`
    const config: NatsConfig = { servers: [server.url], stream: name, subjectPrefix: `contract${streams}`, creds: null, user: null, password: null, token: null }
    const sinks: NatsSink[] = []
    return {
      openSink: () => {
        const sink = new NatsSink({ config, log: recordingLog(), publishTimeoutMs: 300, reconnectWaitMs: 50, connectTimeoutMs: 1_000 })
        sinks.push(sink)
        return sink
      },
      arrivals: async () => (await storedMessages(reader, name)).map((message) => {
        const [, event, channel] = message.subject.split('.')
        return { id: message.header.get(CURSOR_HEADER), event: event!, channelId: Number(channel), json: new TextDecoder().decode(message.data) }
      }),
      takeDown: () => server.stop(),
      bringBack: () => server.start(),
      async close() {
        if (!server.running) await server.start()
        for (const sink of sinks) await sink.close()
        const manager = await jetstreamManager(reader)
        await manager.streams.delete(name).catch(() => false)
      },
    }
  })
})
