import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TlObject } from '../src/tl/tl-object.ts'
import type { History } from '../src/world/history.ts'
import { encodeResult, makeEmulator, signIn, type Emulator } from './rpc-fixture.ts'

interface SearchQuery {
  q?: string
  min_date?: number
  max_date?: number
  broadcasts_only?: boolean
  groups_only?: boolean
  users_only?: boolean
  limit?: number
  filter?: TlObject
}

const peerIdOf = (peer: TlObject) => Number(peer.channel_id ?? peer.chat_id ?? peer.user_id)

function inputPeerOf(result: TlObject, peer: TlObject): TlObject {
  if (peer._ === 'peerChannel') {
    const channel = (result.chats as TlObject[]).find((c) => c.id === peer.channel_id) as TlObject
    return { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.access_hash }
  }
  if (peer._ === 'peerChat') return { _: 'inputPeerChat', chat_id: peer.chat_id }
  const user = (result.users as TlObject[]).find((u) => u.id === peer.user_id) as TlObject
  return { _: 'inputPeerUser', user_id: user.id, access_hash: user.access_hash }
}

/** Pages messages.searchGlobal the way a client does: next_rate, the last message's peer and id. */
async function searchAll(emu: Emulator, query: SearchQuery): Promise<{ keys: string[]; pages: TlObject[] }> {
  const keys: string[] = []
  const pages: TlObject[] = []
  let offset = { offset_rate: 0, offset_peer: { _: 'inputPeerEmpty' } as TlObject, offset_id: 0 }
  for (let guard = 0; guard < 500; guard++) {
    const result = (await emu.call({
      _: 'messages.searchGlobal',
      q: '',
      filter: { _: 'inputMessagesFilterEmpty' },
      min_date: 0,
      max_date: 0,
      limit: 50,
      ...query,
      ...offset,
    })) as TlObject
    pages.push(result)
    const messages = result.messages as TlObject[]
    for (const m of messages) keys.push(`${peerIdOf(m.peer_id as TlObject)}:${String(m.id)}:${String(m.date)}`)
    if (result._ === 'messages.messages' || messages.length === 0) break
    const last = messages[messages.length - 1]
    offset = { offset_rate: result.next_rate as number, offset_peer: inputPeerOf(result, last.peer_id as TlObject), offset_id: last.id as number }
  }
  return { keys, pages }
}

/** Brute force over the world: non-service messages of the chosen histories in the open date window. */
function expected(sources: { history: History; peerId: number }[], minDate: number, maxDate: number): string[] {
  const all: { date: number; peerId: number; id: number }[] = []
  for (const { history, peerId } of sources) {
    for (let i = 0; i < history.length; i++) {
      const date = history.dates[i]
      if (history.isService(i) || (minDate > 0 && date <= minDate) || (maxDate > 0 && date >= maxDate)) continue
      all.push({ date, peerId, id: history.ids[i] })
    }
  }
  all.sort((a, b) => b.date - a.date || b.peerId - a.peerId || b.id - a.id)
  return all.map((m) => `${m.peerId}:${m.id}:${m.date}`)
}

test('searchGlobal with a date window returns every message strictly inside it exactly once, newest first', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const minDate = emu.now - 5 * 86400
  const maxDate = emu.now - 2 * 86400
  const { keys, pages } = await searchAll(emu, { min_date: minDate, max_date: maxDate })
  const sources = [
    ...emu.world.channels.filter((c) => c.memberByDefault).map((c) => ({ history: c.history, peerId: c.id })),
    { history: emu.world.chats[0].history, peerId: emu.world.chats[0].id },
    { history: emu.world.privateChats[0].history, peerId: emu.world.privateChats[0].userId },
  ]
  const want = expected(sources, minDate, maxDate)
  assert.ok(want.length > 300)
  assert.deepEqual(keys, want)
  assert.equal(pages[0]._, 'messages.messagesSlice')
  assert.equal(pages[0].count, want.length)
  for (const page of pages.slice(0, 3)) for (const layer of [227, 198]) encodeResult(layer, 'messages.searchGlobal', page)
})

test('searchGlobal broadcasts_only keeps broadcast channels only', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const minDate = emu.now - 3 * 86400
  const { keys } = await searchAll(emu, { min_date: minDate, broadcasts_only: true })
  const broadcasts = emu.world.channels.filter((c) => c.memberByDefault && c.broadcast)
  assert.deepEqual(keys, expected(broadcasts.map((c) => ({ history: c.history, peerId: c.id })), minDate, 0))
  const broadcastIds = new Set(broadcasts.map((c) => String(c.id)))
  assert.ok(keys.every((k) => broadcastIds.has(k.split(':')[0])))
})

test('searchGlobal groups_only and users_only pick groups and private chats', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const groups = await searchAll(emu, { groups_only: true })
  const groupSources = [
    ...emu.world.channels.filter((c) => c.memberByDefault && !c.broadcast).map((c) => ({ history: c.history, peerId: c.id })),
    { history: emu.world.chats[0].history, peerId: emu.world.chats[0].id },
  ]
  assert.deepEqual(groups.keys, expected(groupSources, 0, 0))
  const users = await searchAll(emu, { users_only: true })
  assert.deepEqual(users.keys, expected([{ history: emu.world.privateChats[0].history, peerId: emu.world.privateChats[0].userId }], 0, 0))
})

test('searchGlobal with a query returns only messages containing it, and counts them', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const { pages } = await searchAll(emu, { q: 'rocket', broadcasts_only: true })
  const messages = pages.flatMap((p) => p.messages as TlObject[])
  assert.ok(messages.length > 0)
  assert.ok(messages.every((m) => String(m.message).toLowerCase().includes('rocket')))
  const count = pages[0]._ === 'messages.messages' ? messages.length : (pages[0].count as number)
  assert.equal(count, messages.length)
})

test('searchGlobal with the photos filter returns photo messages only', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const { pages } = await searchAll(emu, { filter: { _: 'inputMessagesFilterPhotos' }, broadcasts_only: true })
  const messages = pages.flatMap((p) => p.messages as TlObject[])
  assert.ok(messages.length > 0)
  assert.ok(messages.every((m) => (m.media as TlObject | undefined)?._ === 'messageMediaPhoto'))
})

test('messages.getMessages and channels.getMessages return messages by id and messageEmpty for holes', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const chatHistory = emu.world.chats[0].history
  const id = chatHistory.ids[3]
  const byId = (await emu.call({ _: 'messages.getMessages', id: [{ _: 'inputMessageID', id }, { _: 'inputMessageID', id: 999999 }] })) as TlObject
  const messages = byId.messages as TlObject[]
  assert.equal(messages[0].id, id)
  assert.deepEqual(messages[1], { _: 'messageEmpty', id: 999999 })
  const channel = emu.world.channels[0]
  const fromChannel = (await emu.call({
    _: 'channels.getMessages',
    channel: { _: 'inputChannel', channel_id: channel.id, access_hash: channel.accessHash },
    id: [{ _: 'inputMessageID', id: channel.history.ids[10] }],
  })) as TlObject
  assert.equal((fromChannel.messages as TlObject[])[0].id, channel.history.ids[10])
  for (const layer of [227, 198]) {
    encodeResult(layer, 'messages.getMessages', byId)
    encodeResult(layer, 'channels.getMessages', fromChannel)
  }
})
