/**
 * What only the NATS sink shows, against a real `nats-server -js` on loopback: the stream is
 * created when missing; a re-send after a crash is dropped by its Nats-Msg-Id; a restart of
 * nats-server in the middle of the feed loses nothing and /health's view says it was away; a
 * durable consumer on its own connection, as on another machine, reads every event.
 */
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node'
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { NatsConfig } from '../../src/config/config.ts'
import { DeliveryLoop } from '../../src/live/sinks/delivery-loop.ts'
import { CURSOR_HEADER } from '../../src/live/sinks/nats-message.ts'
import { NatsSink } from '../../src/live/sinks/nats-sink.ts'
import { pumpClock } from '../helpers/clock-pump.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { ListedLiveFeed, interleavedPosts, liveEvent } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { connectReader, startNatsServer, storedMessages, type NatsServer } from '../helpers/nats-server.ts'
import { waitUntil } from '../helpers/wait-until.ts'

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
const CHANNELS = [3_000_000_001, 3_000_000_002, 3_000_000_003]
/** A signal that never stops an attempt. */
const NEVER = new AbortController().signal

let server: NatsServer
let reader: NatsConnection
let streams = 0
let config: NatsConfig
const opened: Array<{ stop(): Promise<void> } | NatsSink> = []

before(async () => {
  server = await startNatsServer()
  reader = await connectReader(server)
})
after(async () => {
  await reader?.close()
  await server?.close()
})
afterEach(async () => {
  for (const item of opened.splice(0)) {
    if (item instanceof NatsSink) await item.close()
    else await item.stop()
  }
  if (!server.running) await server.start()
})

function freshConfig(): NatsConfig {
  streams++
  config = { servers: [server.url], stream: `SINK${streams}`, subjectPrefix: `tg${streams}`, creds: null, user: null, password: null, token: null }
  return config
}

function natsSink(): NatsSink {
  const sink = new NatsSink({ config, log: recordingLog(), publishTimeoutMs: 300, reconnectWaitMs: 50, connectTimeoutMs: 1_000 })
  opened.push(sink)
  return sink
}

function startLoop(feed: ListedLiveFeed, clock: ManualClock, sink = natsSink()): DeliveryLoop {
  const loop = DeliveryLoop.start({ sink, feed, log: recordingLog(), clock, random: () => 0.5 })
  opened.push(loop)
  return loop
}

async function streamCursors(): Promise<string[]> {
  return (await storedMessages(reader, config.stream)).map((message) => message.header.get(CURSOR_HEADER))
}

test('the stream is created at start when missing, on <prefix>.> with a duplicate window, and kept when present', async () => {
  freshConfig()
  assert.equal(await natsSink().open(), null)
  const manager = await jetstreamManager(reader)
  const info = await manager.streams.info(config.stream)
  assert.deepEqual(info.config.subjects, [`${config.subjectPrefix}.>`])
  assert.equal(info.config.storage, 'file')
  assert.equal(info.config.duplicate_window, nanos(120_000))
  await manager.streams.update(config.stream, { ...info.config, max_msgs: 1_000_000 })
  assert.equal(await natsSink().open(), null)
  assert.equal((await manager.streams.info(config.stream)).config.max_msgs, 1_000_000, 'an existing stream is used as it is')
})

test('a re-send after a crash mid-publish is dropped by its Nats-Msg-Id, and the restart resumes after it', async () => {
  freshConfig()
  const events = [...interleavedPosts(CHANNELS, 6, T0 / 1000), liveEvent('edit', CHANNELS[0]!, 100, T0 / 1000 + 60)]
  const crashed = natsSink()
  await crashed.open()
  for (const event of events) assert.deepEqual(await crashed.deliver(event, NEVER), { kind: 'delivered' })
  // The process dies having published the last events without seeing their acks; the next
  // one sends them again, as a loop retrying a lost ack does.
  await crashed.close()
  const next = natsSink()
  assert.equal(await next.open(), events.at(-1)!.id)
  for (const event of events.slice(-3)) assert.deepEqual(await next.deliver(event, NEVER), { kind: 'delivered' })
  assert.deepEqual(await streamCursors(), events.map((e) => e.id), 'each event once')
  // Another edit of the same message is another event, not a duplicate.
  const secondEdit = liveEvent('edit', CHANNELS[0]!, 100, T0 / 1000 + 120)
  await next.deliver(secondEdit, NEVER)
  assert.deepEqual(await streamCursors(), [...events, secondEdit].map((e) => e.id))
})

test('a restart of nats-server in the middle of the feed loses nothing, and the sink says it was away', async () => {
  freshConfig()
  const events = interleavedPosts(CHANNELS, 40, T0 / 1000)
  const clock = new ManualClock(T0)
  const pump = pumpClock(clock)
  const feed = new ListedLiveFeed(events.slice(0, 15))
  const loop = startLoop(feed, clock)
  try {
    await waitUntil(async () => (await streamCursors()).length === 15, 'the first 15 published')
    await server.stop('SIGTERM')
    feed.append(...events.slice(15))
    await waitUntil(() => loop.status().retries >= 2, 'publishes failing while the server is away')
    const away = loop.status()
    assert.equal(away.reachable, false)
    assert.equal(away.state, 'retrying')
    assert.equal(away.pending, 25)
    await server.start()
    await waitUntil(async () => (await streamCursors()).length >= 40, 'all 40 in the stream', 60_000)
    await waitUntil(() => loop.status().pending === 0 && loop.status().state === 'ok', 'caught up')
  } finally {
    pump.stop()
  }
  assert.deepEqual(await streamCursors(), events.map((e) => e.id))
  assert.equal(loop.status().reachable, true)
  assert.equal(loop.status().delivered, 40)
})

test('NATS unreachable at start: the loop keeps trying, and delivers once it is there', async () => {
  freshConfig()
  const events = interleavedPosts(CHANNELS, 5, T0 / 1000)
  await server.stop('SIGTERM')
  const clock = new ManualClock(T0)
  const pump = pumpClock(clock)
  const loop = startLoop(new ListedLiveFeed(events), clock)
  try {
    await waitUntil(() => loop.status().lastError !== null, 'a failed connection')
    assert.equal(loop.status().state, 'starting')
    assert.equal(loop.status().reachable, false)
    await server.start()
    await waitUntil(async () => (await streamCursors()).length === 5, 'published after the server came')
  } finally {
    pump.stop()
  }
  assert.deepEqual(await streamCursors(), events.map((e) => e.id))
})

test('a durable consumer on its own connection reads every event, with its headers', async () => {
  freshConfig()
  const events = [...interleavedPosts(CHANNELS, 20, T0 / 1000), liveEvent('delete', CHANNELS[1]!, 101, T0 / 1000 + 99, [101])]
  const clock = new ManualClock(T0)
  startLoop(new ListedLiveFeed(events), clock)
  await waitUntil(async () => (await streamCursors()).length === events.length, 'all published')

  // As the consumer example of docs/live-feed.md does, from another machine.
  const consumerConnection = await connect({ servers: server.url })
  try {
    const manager = await jetstreamManager(consumerConnection)
    await manager.consumers.add(config.stream, { durable_name: 'archive', ack_policy: AckPolicy.Explicit })
    const consumer = await jetstream(consumerConnection).consumers.get(config.stream, 'archive')
    const read: Array<{ subject: string, cursor: string, msgId: string, data: string }> = []
    const messages = await consumer.consume()
    for await (const message of messages) {
      read.push({ subject: message.subject, cursor: message.headers!.get(CURSOR_HEADER), msgId: message.headers!.get('Nats-Msg-Id'), data: message.string() })
      message.ack()
      if (read.length === events.length) break
    }
    assert.deepEqual(read.map((m) => m.cursor), events.map((e) => e.id))
    assert.deepEqual(read.map((m) => m.subject), events.map((e) => `${config.subjectPrefix}.${e.event}.${e.channelId}`))
    assert.deepEqual(read.map((m) => m.data), events.map((e) => e.json))
    assert.equal(read[0]!.msgId, `${CHANNELS[0]}:100`)
    assert.equal(read.at(-1)!.msgId, events.at(-1)!.eventId)
    const info = await manager.consumers.info(config.stream, 'archive')
    await waitUntil(async () => (await manager.consumers.info(config.stream, 'archive')).ack_floor.stream_seq === events.length, 'every message acked')
    assert.equal(info.num_pending, 0)
  } finally {
    await consumerConnection.close()
  }
})
