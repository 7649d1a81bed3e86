import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TlObject } from '../src/tl/tl-object.ts'
import type { History } from '../src/world/history.ts'
import { encodeResult, makeEmulator, rpcError, signIn, type Emulator } from './rpc-fixture.ts'

function inputChannel(emu: Emulator, index: number): TlObject {
  const channel = emu.world.channels[index]
  return { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash }
}

function getHistory(peer: TlObject, q: Partial<Record<'offset_id' | 'offset_date' | 'add_offset' | 'limit' | 'max_id' | 'min_id', number>>): TlObject {
  return { _: 'messages.getHistory', peer, offset_id: 0, offset_date: 0, add_offset: 0, limit: 20, max_id: 0, min_id: 0, hash: 0n, ...q }
}

const idsOf = (result: unknown) => ((result as TlObject).messages as TlObject[]).map((m) => m.id as number)

/** The documented semantics written against a plain descending array (core.telegram.org/api/offsets). */
function expectedPage(history: History, q: { offset_id?: number; offset_date?: number; add_offset?: number; limit?: number; max_id?: number; min_id?: number }): number[] {
  const desc = [...history.ids].map((id, i) => ({ id, date: history.dates[i] })).reverse()
  let base = 0
  if ((q.offset_id ?? 0) > 0) base = desc.filter((m) => m.id >= q.offset_id!).length
  else if ((q.offset_date ?? 0) > 0) base = desc.filter((m) => m.date >= q.offset_date!).length
  const limit = Math.min(q.limit ?? 20, 100)
  const start = base + (q.add_offset ?? 0)
  const slice = desc.slice(Math.max(0, start), Math.max(0, start + limit))
  return slice
    .filter((m) => !(q.max_id && m.id >= q.max_id) && !(q.min_id && m.id <= q.min_id))
    .map((m) => m.id)
}

test('getHistory without offsets returns the newest messages first with count and pts', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[0].history
  const result = (await emu.call(getHistory(inputChannel(emu, 0), { limit: 10 }))) as TlObject
  assert.equal(result._, 'messages.channelMessages')
  assert.equal(result.count, history.length)
  assert.equal(result.pts, history.topId)
  assert.deepEqual(idsOf(result), [...history.ids].reverse().slice(0, 10))
  const chats = result.chats as TlObject[]
  assert.ok(chats.some((c) => c.id === emu.world.channels[0].id && c.username === emu.world.channels[0].username))
  for (const layer of [227, 198]) encodeResult(layer, 'messages.getHistory', result)
})

test('getHistory caps limit at 100', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const result = await emu.call(getHistory(inputChannel(emu, 0), { limit: 500 }))
  assert.equal(idsOf(result).length, 100)
})

test('paging by offset_id visits every message of a channel exactly once, newest first', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[1].history
  const seen: number[] = []
  let offsetId = 0
  for (;;) {
    const page = idsOf(await emu.call(getHistory(inputChannel(emu, 1), { offset_id: offsetId, limit: 37 })))
    if (page.length === 0) break
    seen.push(...page)
    offsetId = page[page.length - 1]
  }
  assert.deepEqual(seen, [...history.ids].reverse())
})

test('a negative add_offset returns the messages at and after offset_id (newer), as documented', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[0].history
  const pivot = history.ids[100]
  const newer = idsOf(await emu.call(getHistory(inputChannel(emu, 0), { offset_id: pivot, add_offset: -20, limit: 20 })))
  assert.deepEqual(newer, [...history.ids.slice(100, 120)].reverse())
  const around = idsOf(await emu.call(getHistory(inputChannel(emu, 0), { offset_id: pivot, add_offset: -10, limit: 20 })))
  assert.deepEqual(around, [...history.ids.slice(90, 110)].reverse())
  const older = idsOf(await emu.call(getHistory(inputChannel(emu, 0), { offset_id: pivot, limit: 5 })))
  assert.deepEqual(older, [...history.ids.slice(95, 100)].reverse())
  // Reaching past the newest message shortens the page instead of wrapping: the page spans
  // positions -19..5 of the list, of which 0..5 exist (the top message is position 0).
  const top = idsOf(await emu.call(getHistory(inputChannel(emu, 0), { offset_id: history.topId, add_offset: -20, limit: 25 })))
  assert.deepEqual(top, [...history.ids.slice(history.length - 6)].reverse())
})

test('offset_date starts at the first message sent before that date', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[2].history
  const date = history.dates[150]
  const page = (await emu.call(getHistory(inputChannel(emu, 2), { offset_date: date, limit: 30 }))) as TlObject
  const messages = page.messages as TlObject[]
  assert.equal(messages.length, 30)
  assert.ok(messages.every((m) => (m.date as number) < date))
  const firstBefore = history.lowerBoundDate(date) - 1
  assert.equal(messages[0].id, history.ids[firstBefore])
})

test('max_id and min_id trim the page after slicing', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[0].history
  const page = idsOf(
    await emu.call(getHistory(inputChannel(emu, 0), { offset_id: history.ids[200], limit: 50, max_id: history.ids[190], min_id: history.ids[160] })),
  )
  assert.deepEqual(page, [...history.ids.slice(161, 190)].reverse())
  // Applied after slicing: with no offset, the newest page holds nothing below an old max_id.
  assert.deepEqual(idsOf(await emu.call(getHistory(inputChannel(emu, 0), { limit: 20, max_id: history.ids[10] }))), [])
})

test('getHistory agrees with the documented semantics on many parameter combinations', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const history = emu.world.channels[1].history
  const ids = history.ids
  let checked = 0
  for (const offsetIndex of [-1, 0, 5, 120, ids.length - 1]) {
    for (const addOffset of [0, -1, -10, -50, 3]) {
      for (const limit of [1, 20, 100]) {
        for (const [maxIndex, minIndex] of [[-1, -1], [110, -1], [-1, 100], [150, 90]]) {
          const q = {
            offset_id: offsetIndex < 0 ? 0 : ids[offsetIndex] + (offsetIndex % 2),
            add_offset: addOffset,
            limit,
            max_id: maxIndex < 0 ? 0 : ids[maxIndex],
            min_id: minIndex < 0 ? 0 : ids[minIndex],
          }
          assert.deepEqual(idsOf(await emu.call(getHistory(inputChannel(emu, 1), q))), expectedPage(history, q), JSON.stringify(q))
          checked++
        }
      }
    }
  }
  assert.equal(checked, 300)
})

test('private chats answer messages.messages when whole and messagesSlice when paged', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const partner = emu.world.users[0]
  const peer = { _: 'inputPeerUser', user_id: partner.id, access_hash: partner.accessHash }
  const history = emu.world.privateChats[0].history
  const whole = (await emu.call(getHistory(peer, { limit: 100 }))) as TlObject
  assert.equal(whole._, 'messages.messages')
  assert.deepEqual(idsOf(whole), [...history.ids].reverse())
  const slice = (await emu.call(getHistory(peer, { limit: 10 }))) as TlObject
  assert.equal(slice._, 'messages.messagesSlice')
  assert.equal(slice.count, history.length)
  const messages = slice.messages as TlObject[]
  assert.ok(messages.every((m) => (m.peer_id as TlObject).user_id === partner.id))
  assert.ok(messages.some((m) => m.out === true) && messages.some((m) => m.out === false))
  for (const layer of [227, 198]) encodeResult(layer, 'messages.getHistory', slice)
})

test('a basic group history uses peerChat and the shared id sequence', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const chat = emu.world.chats[0]
  const result = (await emu.call(getHistory({ _: 'inputPeerChat', chat_id: chat.id }, { limit: 100 }))) as TlObject
  const messages = result.messages as TlObject[]
  assert.equal(messages.length, Math.min(100, chat.history.length))
  assert.ok(messages.every((m) => (m.peer_id as TlObject).chat_id === chat.id && m.from_id !== undefined))
  const privateIds = new Set(emu.world.privateChats[0].history.ids)
  assert.ok(messages.every((m) => !privateIds.has(m.id as number)))
  for (const layer of [227, 198]) encodeResult(layer, 'messages.getHistory', result)
})

test('a channel with a wrong access_hash is CHANNEL_PRIVATE and an unknown one CHANNEL_INVALID', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const channel = emu.world.channels[0]
  await assert.rejects(
    emu.call(getHistory({ _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash + 1n }, {})),
    rpcError(400, 'CHANNEL_PRIVATE'),
  )
  await assert.rejects(emu.call(getHistory({ _: 'inputPeerChannel', channel_id: 5, access_hash: 1n }, {})), rpcError(400, 'CHANNEL_INVALID'))
})

test('every message of every history encodes in layers 227 and 198', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const peers: TlObject[] = emu.world.channels.map((_, i) => inputChannel(emu, i))
  peers.push({ _: 'inputPeerChat', chat_id: emu.world.chats[0].id })
  peers.push({ _: 'inputPeerUser', user_id: emu.world.users[0].id, access_hash: emu.world.users[0].accessHash })
  let count = 0
  for (const peer of peers) {
    let offsetId = 0
    for (;;) {
      const result = await emu.call(getHistory(peer, { offset_id: offsetId, limit: 100 }))
      const ids = idsOf(result)
      if (ids.length === 0) break
      for (const layer of [227, 198]) encodeResult(layer, 'messages.getHistory', result)
      count += ids.length
      offsetId = ids[ids.length - 1]
    }
  }
  const total = emu.world.channels.reduce((n, c) => n + c.history.length, 0) + emu.world.chats[0].history.length + emu.world.privateChats[0].history.length
  assert.equal(count, total)
})
