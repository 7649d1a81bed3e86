/**
 * GET /messages/live against the whole service and a living emulator, read with the
 * `eventsource` package: what the emulator posts arrives, in the shape GET /messages gives;
 * edits and deletions arrive; start_time backfills with no gap or duplicate at the seam; a
 * resume by Last-Event-ID after a dropped connection or a restart (posts made meanwhile) gives
 * exactly what was missed.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { openLive, type LiveRecord } from '../helpers/live-client.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'

const WORLD = { seed: 21, channels: 3, messagesPerChannel: 40, spanSeconds: 6 * 3600, now: Math.floor(Date.now() / 1000) }

let emulator: Emulator
let service: Service

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  service = await startService({ sharedEmulator: emulator })
  await signInWithCode(service.url, emulator, '+15557000001')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const channelOf = (record: LiveRecord): number => (record.data.peer_id as { channel_id: number }).channel_id
const view = (record: LiveRecord) => ({ type: record.type, channel: channelOf(record), id: record.data.id, text: record.data.message })

/** Posts in the given channels (by index), returning what each post was. */
function post(...posts: Array<[channelIndex: number, text: string]>): Array<{ type: 'message'; channel: number; id: number; text: string }> {
  return posts.map(([index, text]) => {
    const channel = emulator.world.channels[index]
    const id = channel.log.nextId()
    emulator.post(channel.id, text)
    return { type: 'message' as const, channel: channel.id, id, text }
  })
}

describe('GET /messages/live', () => {
  test('live messages are exactly what the emulator posted, in the shape GET /messages gives them', async () => {
    const live = openLive(service.url)
    try {
      await live.opened()
      const posted = post([0, 'live one'], [1, 'live two'], [0, 'live three'])
      const events = await live.next(3)
      const byChannel = (list: Array<{ channel: number }>) => [...list].sort((a, b) => a.channel - b.channel)
      assert.deepEqual(byChannel(events.map(view)), byChannel(posted))
      // The SSE id begins with the event's own id, as the webhook and NATS name it.
      for (const event of events) assert.ok(event.id.startsWith(`${channelOf(event)}:${String(event.data.id)}/`), event.id)
      const window = await fetch(`${service.url}/messages?start_time=${WORLD.now - 1}`)
      const listed = (await window.json()) as Array<Record<string, unknown>>
      for (const event of events) {
        const same = listed.find((m) => m.id === event.data.id && (m.peer_id as { channel_id: number }).channel_id === channelOf(event))
        assert.deepEqual(event.data, same)
      }
      assert.equal((events[0].data.meta as { channel_title: string }).channel_title, emulator.world.channelsById.get(channelOf(events[0]))!.title)
    } finally {
      live.close()
    }
  })

  test('edits and deletions arrive as edit and delete events', async () => {
    const live = openLive(service.url)
    try {
      await live.opened()
      const [first, second] = post([2, 'to be edited'], [2, 'to be deleted'])
      emulator.edit(first.channel, first.id, 'edited')
      emulator.delete(second.channel, [second.id])
      const events = await live.next(4)
      assert.deepEqual(events.map((e) => e.type), ['message', 'message', 'edit', 'delete'])
      assert.deepEqual(view(events[2]), { type: 'edit', channel: first.channel, id: first.id, text: 'edited' })
      assert.ok(typeof events[2].data.edit_date === 'string')
      assert.deepEqual(events[3].data, { channel_id: second.channel, ids: [second.id] })
    } finally {
      live.close()
    }
  })

  test('start_time sends every message after it oldest first, then goes live, with no gap or duplicate at the seam', async () => {
    const start = WORLD.now - 3600
    const listed = (await (await fetch(`${service.url}/messages?start_time=${start}`)).json()) as Array<{ id: number; date: string; peer_id: { channel_id: number } }>
    const live = openLive(service.url, { query: `start_time=${start}` })
    try {
      await live.opened()
      // Posted while the catch-up is reading history: they must come once, after it.
      const posted = post([0, 'at the seam'], [1, 'right after'])
      const events = await live.next(listed.length + posted.length)
      const keys = events.map((e) => `${channelOf(e)}:${e.data.id}`)
      assert.equal(new Set(keys).size, keys.length, 'no message twice')
      const expected = new Set([...listed.map((m) => `${m.peer_id.channel_id}:${m.id}`), ...posted.map((p) => `${p.channel}:${p.id}`)])
      assert.deepEqual(new Set(keys), expected)
      const backfill = events.slice(0, listed.length).map((e) => String(e.data.date))
      assert.deepEqual(backfill, [...backfill].sort(), 'oldest first')
      for (const channel of emulator.world.channels) {
        const ids = events.filter((e) => channelOf(e) === channel.id).map((e) => e.data.id as number)
        assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'per channel in id order')
      }
    } finally {
      live.close()
    }
  })

  test('Last-Event-ID resumes right after that event when a connection dropped', async () => {
    const first = openLive(service.url)
    let lastId: string
    try {
      await first.opened()
      post([0, 'seen 1'], [1, 'seen 2'])
      lastId = (await first.next(2))[1].id
    } finally {
      first.close()
    }
    const missed = post([1, 'missed 1'], [0, 'missed 2'], [2, 'missed 3'])
    const resumed = openLive(service.url, { headers: { 'Last-Event-ID': lastId } })
    try {
      const events = await resumed.next(3)
      const byChannel = (list: Array<{ channel: number }>) => [...list].sort((a, b) => a.channel - b.channel)
      assert.deepEqual(byChannel(events.map(view)), byChannel(missed))
      const later = post([2, 'live again'])
      assert.deepEqual(view((await resumed.next(4))[3]), later[0])
    } finally {
      resumed.close()
    }
    const byQuery = openLive(service.url, { query: `last_event_id=${encodeURIComponent(lastId)}` })
    try {
      assert.deepEqual((await byQuery.next(4)).map(view).slice(0, 3).sort((a, b) => a.channel - b.channel), [...missed].sort((a, b) => a.channel - b.channel))
    } finally {
      byQuery.close()
    }
  })

  test('after a restart, Last-Event-ID gives exactly the messages posted while the service was down', async () => {
    const before = openLive(service.url)
    let lastId: string
    try {
      await before.opened()
      post([1, 'before the restart'])
      lastId = (await before.next(1))[0].id
    } finally {
      before.close()
    }
    let whileDown: ReturnType<typeof post> = []
    await service.restart(() => {
      whileDown = post([0, 'down 1'], [2, 'down 2'], [0, 'down 3'])
    })
    const resumed = openLive(service.url, { headers: { 'Last-Event-ID': lastId } })
    try {
      const events = await resumed.next(3)
      const order = (list: Array<{ channel: number; id: unknown }>) => [...list].sort((a, b) => a.channel - b.channel || Number(a.id) - Number(b.id))
      assert.deepEqual(order(events.map(view)), order(whileDown))
      const after = post([1, 'after the restart'])
      assert.deepEqual(view((await resumed.next(4))[3]), after[0])
      assert.equal(resumed.events.length, 4)
    } finally {
      resumed.close()
    }
  })

  test('posts made while the connection to Telegram was down arrive once it is back, with no later post needed', async () => {
    const live = openLive(service.url)
    try {
      await live.opened()
      post([0, 'before the outage'])
      await live.next(1)
      // The service's MTProto connection drops; its pushes of these posts are lost.
      emulator.dropConnections()
      const missed = post([1, 'during the outage 1'], [0, 'during the outage 2'])
      const events = await live.next(3)
      const order = (list: Array<{ channel: number; id: unknown }>) => [...list].sort((a, b) => a.channel - b.channel || Number(a.id) - Number(b.id))
      assert.deepEqual(order(events.slice(1).map(view)), order(missed))
    } finally {
      live.close()
    }
  })

  test('a cursor this service did not write is a 400 problem', async () => {
    const response = await fetch(`${service.url}/messages/live`, { headers: { 'last-event-id': 'not-a-cursor' } })
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as { code: string }).code, 'INVALID_CURSOR')
  })
})
