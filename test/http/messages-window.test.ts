/**
 * GET /messages against a generated world (docs/spec.md §4): for several windows the service returns
 * exactly the world's channel messages with start < date <= end, newest first, as computed
 * from the world itself (test/helpers/world-messages.ts) — broadcast channels and supergroups,
 * without service messages, private chats or basic groups. Histories are longer than a page
 * (300 messages, pages of 100), so paging and the merge across channels are crossed too.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'
import {
  expectedChannelMessages,
  isoTime,
  memberChannels,
  messageKey,
  nonChannelMessageCount,
  serviceChannelMessages,
  type WorldMessageRef,
} from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 3 * 86_400
const WORLD_START = NOW - SPAN
/** Seed 4 gives messages of different channels with equal dates, which the order must break. */
const SEED = 4

interface ReturnedMessage {
  _: string
  id: number
  date: string
  peer_id: { _: string, channel_id: number }
}

let emulator: Emulator
let service: Service

before(async () => {
  emulator = await startEmulator({ world: { seed: SEED, channels: 6, messagesPerChannel: 300, spanSeconds: SPAN, now: NOW } })
  service = await startService({ sharedEmulator: emulator })
  await signInWithCode(service.url, emulator, '+15554000001')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

async function getMessages(start: string, end: string, accept?: string): Promise<Response> {
  const query = new URLSearchParams({ start_time: start, end_time: end })
  return fetch(`${service.url}/messages?${query}`, accept === undefined ? {} : { headers: { accept } })
}

async function messagesIn(after: number, upTo: number): Promise<ReturnedMessage[]> {
  const response = await getMessages(isoTime(after), isoTime(upTo))
  assert.equal(response.status, 200, await response.clone().text())
  assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/)
  return response.json() as Promise<ReturnedMessage[]>
}

const keysOf = (messages: ReturnedMessage[]): string[] => messages.map((m) => messageKey(m.peer_id.channel_id, m.id))
const expectedKeys = (refs: WorldMessageRef[]): string[] => refs.map((r) => messageKey(r.channel.id, r.id))
const seconds = (date: string): number => Date.parse(date) / 1000

test('the whole span returns every channel and supergroup message, newest first, exactly', async () => {
  const after = WORLD_START - 10
  const expected = expectedChannelMessages(emulator.world, after, NOW)
  assert.ok(expected.length > 1500)
  const returned = await messagesIn(after, NOW)
  assert.deepEqual(keysOf(returned), expectedKeys(expected))
  assert.ok(returned.every((m) => m._ === 'Message' && m.peer_id._ === 'PeerChannel'))
  for (let i = 1; i < returned.length; i++) assert.ok(seconds(returned[i - 1].date) >= seconds(returned[i].date))
  // Both kinds of channel are in it.
  const broadcast = memberChannels(emulator.world).filter((c) => c.broadcast).map((c) => c.id)
  const supergroups = memberChannels(emulator.world).filter((c) => !c.broadcast).map((c) => c.id)
  assert.ok(broadcast.length > 0 && supergroups.length > 0)
  const returnedChannels = new Set(returned.map((m) => m.peer_id.channel_id))
  assert.deepEqual([...returnedChannels].sort(), [...broadcast, ...supergroups].sort())
})

test('messages with equal dates come by channel id ascending, then message id descending', async () => {
  const after = WORLD_START - 10
  const returned = await messagesIn(after, NOW)
  let acrossChannels = 0
  let withinChannel = 0
  for (let i = 1; i < returned.length; i++) {
    const [a, b] = [returned[i - 1], returned[i]]
    if (a.date !== b.date) continue
    if (a.peer_id.channel_id === b.peer_id.channel_id) {
      withinChannel++
      assert.ok(a.id > b.id, `${a.id} before ${b.id} in channel ${a.peer_id.channel_id}`)
    } else {
      acrossChannels++
      assert.ok(a.peer_id.channel_id < b.peer_id.channel_id, `channel ${a.peer_id.channel_id} before ${b.peer_id.channel_id}`)
    }
  }
  // The world has both kinds of tie (albums share a date; channels collide by chance).
  assert.ok(acrossChannels > 0)
  assert.ok(withinChannel > 0)
})

test('service messages, private chats and basic groups in the window are left out', async () => {
  const after = WORLD_START - 10
  const services = serviceChannelMessages(emulator.world, after, NOW)
  const others = nonChannelMessageCount(emulator.world, after, NOW)
  // The world does have them in this window…
  assert.ok(services.length > 0)
  assert.ok(others.privateChats > 0 && others.basicGroups > 0)
  const returned = await messagesIn(after, NOW)
  // …and none comes back: no service message's id, no peer other than a member channel.
  const keys = new Set(keysOf(returned))
  for (const service of services) assert.ok(!keys.has(messageKey(service.channel.id, service.id)), `service message ${service.id} returned`)
  const members = new Set(memberChannels(emulator.world).map((c) => c.id))
  assert.ok(returned.every((m) => m.peer_id._ === 'PeerChannel' && members.has(m.peer_id.channel_id)))
  assert.ok(returned.every((m) => m._ === 'Message'))
})

test('a narrow window in the middle returns exactly its messages', async () => {
  const after = WORLD_START + 86_400 + 3_600
  const upTo = after + 2 * 3_600
  const expected = expectedChannelMessages(emulator.world, after, upTo)
  assert.ok(expected.length > 10 && expected.length < 200)
  assert.deepEqual(keysOf(await messagesIn(after, upTo)), expectedKeys(expected))
})

test('a window ending in the middle of the span leaves the newer messages out', async () => {
  const after = WORLD_START - 10
  const upTo = WORLD_START + Math.floor(SPAN / 2) + 17
  const expected = expectedChannelMessages(emulator.world, after, upTo)
  const returned = await messagesIn(after, upTo)
  assert.deepEqual(keysOf(returned), expectedKeys(expected))
  assert.ok(returned.every((m) => seconds(m.date) <= upTo))
  assert.ok(expectedChannelMessages(emulator.world, upTo, NOW).length > 500)
})

test('a window with no message in it returns []', async () => {
  // Between two consecutive channel messages more than a second apart.
  const all = expectedChannelMessages(emulator.world, WORLD_START - 10, NOW)
  const gap = all.findIndex((m, i) => i > 0 && all[i - 1].date - m.date > 2)
  assert.ok(gap > 0)
  const after = all[gap].date
  const upTo = all[gap - 1].date - 1
  assert.deepEqual(expectedChannelMessages(emulator.world, after, upTo), [])
  assert.deepEqual(await messagesIn(after, upTo), [])
  // After the world's newest message, and before its first.
  assert.deepEqual(await messagesIn(NOW + 10, NOW + 3_600), [])
  assert.deepEqual(await messagesIn(WORLD_START - 7 * 86_400, WORLD_START - 6 * 86_400), [])
})

test('a message dated exactly start_time is left out and one dated exactly end_time is included', async () => {
  const all = expectedChannelMessages(emulator.world, WORLD_START - 10, NOW)
  const boundary = all[Math.floor(all.length / 3)]
  const D = boundary.date
  const atD = all.filter((m) => m.date === D).map((m) => messageKey(m.channel.id, m.id))
  assert.ok(atD.length >= 1)

  const startingAtD = keysOf(await messagesIn(D, D + 3_600))
  for (const key of atD) assert.ok(!startingAtD.includes(key), `${key} dated start_time was returned`)
  assert.deepEqual(startingAtD, expectedKeys(expectedChannelMessages(emulator.world, D, D + 3_600)))

  const endingAtD = keysOf(await messagesIn(D - 3_600, D))
  assert.deepEqual(endingAtD.slice(0, atD.length), atD)
  assert.deepEqual(endingAtD, expectedKeys(expectedChannelMessages(emulator.world, D - 3_600, D)))

  // A window of exactly one second, (D - 1, D], holds exactly the messages dated D.
  assert.deepEqual(keysOf(await messagesIn(D - 1, D)), atD)
})

test('fractional seconds and UTC offsets in the times are honoured to the second', async () => {
  const all = expectedChannelMessages(emulator.world, WORLD_START - 10, NOW)
  const D = all[Math.floor(all.length / 2)].date
  const atD = expectedKeys(all.filter((m) => m.date === D))
  // start = D - 0.5 s written in +02:00, end = D + 0.5 s: only the messages dated D.
  const start = new Date((D - 0.5) * 1000 + 2 * 3_600_000).toISOString().replace('Z', '+02:00')
  const end = new Date((D + 0.5) * 1000).toISOString()
  const response = await getMessages(start, end)
  assert.equal(response.status, 200)
  assert.deepEqual(keysOf(await response.json() as ReturnedMessage[]), atD)
  // start = D + 0.5 s: D itself is before the start.
  const later = await getMessages(new Date((D + 0.5) * 1000).toISOString(), isoTime(D + 1))
  assert.deepEqual(keysOf(await later.json() as ReturnedMessage[]), expectedKeys(all.filter((m) => m.date === D + 1)))
})

test('Accept: application/x-ndjson gives the same messages, one JSON object per line', async () => {
  const after = WORLD_START + 86_400
  const upTo = WORLD_START + 2 * 86_400
  const array = await messagesIn(after, upTo)
  const response = await getMessages(isoTime(after), isoTime(upTo), 'application/x-ndjson')
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson\b/)
  const text = await response.text()
  assert.ok(text.endsWith('\n'))
  const lines = text.slice(0, -1).split('\n')
  assert.equal(lines.length, array.length)
  const parsed = lines.map((line) => JSON.parse(line) as ReturnedMessage)
  assert.deepEqual(parsed, array)
  assert.deepEqual(keysOf(parsed), expectedKeys(expectedChannelMessages(emulator.world, after, upTo)))

  const empty = await getMessages(isoTime(NOW + 10), isoTime(NOW + 20), 'application/x-ndjson')
  assert.equal(empty.status, 200)
  assert.equal(await empty.text(), '')
})

test('limit gives the newest N of the window, in the same order, reading only the pages it needs; limit with after gives the next N', async () => {
  const after = WORLD_START - 10
  const expected = expectedKeys(expectedChannelMessages(emulator.world, after, NOW))
  const calls = (): number => emulator.faults.counters.get('channels.getHistory') + emulator.faults.counters.get('messages.getHistory')
  const before = calls()
  const query = new URLSearchParams({ start_time: isoTime(after), end_time: isoTime(NOW), limit: '25' })
  const first = (await (await fetch(`${service.url}/messages?${query}`)).json()) as ReturnedMessage[]
  assert.deepEqual(keysOf(first), expected.slice(0, 25))
  // The whole window is 3 pages in each of 6 channels; the answer stops the reads before that.
  assert.ok(calls() - before < 18, `history pages read: ${calls() - before}`)
  const last = first.at(-1)!
  query.set('after', `${last.date},${last.peer_id.channel_id},${last.id}`)
  const next = (await (await fetch(`${service.url}/messages?${query}`)).json()) as ReturnedMessage[]
  assert.deepEqual(keysOf(next), expected.slice(25, 50))
  for (const bad of ['0', '-1', '1.5', 'many', '100001']) {
    const response = await fetch(`${service.url}/messages?start_time=${isoTime(after)}&limit=${bad}`)
    assert.equal(response.status, 400, `limit=${bad}`)
  }
})
