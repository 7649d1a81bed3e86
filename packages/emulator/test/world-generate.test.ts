import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TlObject } from '../src/tl/tl-object.ts'
import { demoWorldOptions } from '../src/world/demo-world.ts'
import { generateWorld, type WorldOptions } from '../src/world/generate-world.ts'
import { materializeMessage } from '../src/world/message-factory.ts'
import { PeerRefs } from '../src/world/peer-refs.ts'
import type { Viewer } from '../src/world/viewer.ts'
import type { World } from '../src/world/world.ts'

const NOW = 1_751_000_000
const options: WorldOptions = { seed: 42, channels: 5, messagesPerChannel: 500, spanSeconds: 7 * 86400, now: NOW }
const viewer: Viewer = {
  user: { id: 7_000_000_001, accessHash: 1n, phone: '15550001111', firstName: 'Sandbox', lastName: 'User' },
  isMember: () => true,
}

function allMessages(world: World): TlObject[] {
  const refs = new PeerRefs()
  const histories = [...world.channels.map((c) => c.history), ...world.chats.map((c) => c.history), ...world.privateChats.map((c) => c.history)]
  return histories.flatMap((h) => Array.from({ length: h.length }, (_, i) => materializeMessage(world, h, i, viewer, refs)))
}

test('the same seed gives the same world, message for message', () => {
  const a = generateWorld(options)
  const b = generateWorld(options)
  assert.deepEqual(
    a.channels.map((c) => [c.id, c.accessHash, c.username, c.title]),
    b.channels.map((c) => [c.id, c.accessHash, c.username, c.title]),
  )
  assert.deepEqual(allMessages(a), allMessages(b))
})

test('a different seed gives a different world', () => {
  const a = generateWorld(options)
  const b = generateWorld({ ...options, seed: 43 })
  assert.notDeepEqual(a.channels.map((c) => c.accessHash), b.channels.map((c) => c.accessHash))
  assert.notDeepEqual(allMessages(a).slice(0, 50), allMessages(b).slice(0, 50))
})

test('channels are public broadcasts and supergroups named canal_<n>, with exactly the requested messages', () => {
  const world = generateWorld(options)
  assert.equal(world.channels.length, 5)
  assert.ok(world.channels.some((c) => c.broadcast) && world.channels.some((c) => !c.broadcast))
  world.channels.forEach((channel, i) => {
    assert.equal(channel.username, `canal_${i + 1}`)
    assert.equal(channel.history.length, 500)
    assert.ok(channel.id > 2 ** 31, 'channel ids exceed int32')
  })
  assert.ok(world.users.every((u) => u.id > 2 ** 32), 'user ids exceed uint32')
})

test('message ids grow with their dates and every date lies within the span (creation messages aside)', () => {
  const world = generateWorld(options)
  for (const channel of world.channels) {
    const { ids, dates } = channel.history
    for (let i = 1; i < ids.length; i++) {
      assert.ok(ids[i] > ids[i - 1])
      assert.ok(dates[i] >= dates[i - 1])
      assert.ok(dates[i] > NOW - options.spanSeconds && dates[i] <= NOW)
    }
  }
})

test('dormant channels are member channels whose messages all lie in the span before, the other channels unchanged', () => {
  const plain = generateWorld(options)
  const world = generateWorld({ ...options, dormantChannels: 2 })
  assert.equal(world.channels.length, 7)
  const shape = (w: World) => w.channels.slice(0, 5).map((c) => [c.id, c.accessHash, c.title, Array.from(c.history.ids), Array.from(c.history.dates)])
  assert.deepEqual(shape(world), shape(plain))
  for (const channel of world.channels.slice(5)) {
    assert.equal(channel.memberByDefault, true)
    assert.equal(channel.history.length, 500)
    const { dates } = channel.history
    assert.ok(dates[0] < dates[1], 'created before its first post')
    for (let i = 1; i < dates.length; i++) assert.ok(dates[i] > NOW - 2 * options.spanSeconds && dates[i] <= NOW - options.spanSeconds)
  }
})

test('private chat and basic group share one id sequence', () => {
  const world = generateWorld(options)
  const a = new Set(world.privateChats[0].history.ids)
  const b = world.chats[0].history.ids
  assert.ok(b.every((id) => !a.has(id)))
  const merged = [...a, ...b].sort((x, y) => x - y)
  assert.ok(merged[merged.length - 1] - merged[0] < merged.length * 2, 'ids are dense across both conversations')
})

test('messages carry realistic fields: views, replies with comments, reactions, entities, edits, media, albums and service actions', () => {
  const world = generateWorld(options)
  const messages = allMessages(world)
  const plain = messages.filter((m) => m._ === 'message')
  const service = messages.filter((m) => m._ === 'messageService')
  const actions = new Set(service.map((m) => (m.action as TlObject)._))
  for (const action of ['messageActionChannelCreate', 'messageActionPinMessage', 'messageActionChatJoinedByLink', 'messageActionChatCreate']) {
    assert.ok(actions.has(action), action)
  }
  assert.ok(plain.some((m) => typeof m.views === 'number' && m.post === true && m.from_id === undefined))
  assert.ok(plain.some((m) => typeof m.post_author === 'string'))
  assert.ok(plain.some((m) => (m.replies as TlObject | undefined)?.comments === true && typeof (m.replies as TlObject).channel_id === 'number'))
  assert.ok(plain.some((m) => ((m.reactions as TlObject | undefined)?.results as TlObject[] | undefined)?.length))
  assert.ok(plain.some((m) => (m.entities as TlObject[] | undefined)?.some((e) => e._ === 'messageEntityBold')))
  assert.ok(plain.some((m) => (m.entities as TlObject[] | undefined)?.some((e) => e._ === 'messageEntityUrl')))
  assert.ok(plain.some((m) => typeof m.edit_date === 'number' && (m.edit_date as number) >= (m.date as number)))
  assert.ok(plain.some((m) => m.fwd_from !== undefined))
  assert.ok(plain.some((m) => (m.reply_to as TlObject | undefined)?.reply_to_msg_id !== undefined))
  assert.ok(plain.some((m) => (m.media as TlObject | undefined)?._ === 'messageMediaDocument'))
  const photo = plain.find((m) => (m.media as TlObject | undefined)?._ === 'messageMediaPhoto')!
  const photoObject = (photo.media as TlObject).photo as TlObject
  assert.equal(photoObject._, 'photo')
  assert.equal(typeof photoObject.id, 'bigint')
  assert.ok(Buffer.isBuffer(photoObject.file_reference))

  const albums = new Map<bigint, TlObject[]>()
  for (const m of plain) if (typeof m.grouped_id === 'bigint') albums.set(m.grouped_id, [...(albums.get(m.grouped_id) ?? []), m])
  assert.ok(albums.size > 0)
  for (const [groupedId, members] of albums) {
    assert.ok(groupedId > 2n ** 53n || groupedId < -(2n ** 53n), 'grouped_id lies beyond 2^53')
    assert.ok(members.length >= 2)
    assert.ok(members.every((m) => m.date === members[0].date))
  }
})

test('entity offsets and lengths fall inside the text (UTF-16 units)', () => {
  const world = generateWorld(options)
  for (const m of allMessages(world)) {
    for (const e of (m.entities as TlObject[] | undefined) ?? []) {
      assert.ok((e.offset as number) >= 0 && (e.offset as number) + (e.length as number) <= String(m.message).length)
    }
  }
})

test('the demo world has a few channels with a week of messages, a private chat and a basic group', () => {
  const world = generateWorld(demoWorldOptions(NOW))
  const members = world.channels.filter((c) => c.memberByDefault)
  assert.ok(members.length >= 3)
  for (const channel of members) {
    const { dates } = channel.history
    assert.ok(dates[1] >= NOW - 7 * 86400 && dates[dates.length - 1] <= NOW)
  }
  assert.ok(world.privateChats[0].history.length > 0)
  assert.ok(world.chats[0].history.length > 0)
})
