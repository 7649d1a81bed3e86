import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TlObject } from '../src/tl/tl-object.ts'
import { encodeResult, makeEmulator, rpcError, signIn, type Emulator } from './rpc-fixture.ts'

function getDialogs(q: { offset_date?: number; offset_id?: number; offset_peer?: TlObject; limit?: number; folder_id?: number }): TlObject {
  return { _: 'messages.getDialogs', offset_date: 0, offset_id: 0, offset_peer: { _: 'inputPeerEmpty' }, limit: 20, hash: 0n, ...q }
}

const peerKey = (peer: TlObject) => `${peer._}:${String(peer.channel_id ?? peer.chat_id ?? peer.user_id)}`

/** Input peer of a dialog, as a client builds it from the answer's chats and users. */
function inputPeerOf(result: TlObject, peer: TlObject): TlObject {
  if (peer._ === 'peerChannel') {
    const channel = (result.chats as TlObject[]).find((c) => c._ === 'channel' && c.id === peer.channel_id) as TlObject
    return { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.access_hash }
  }
  if (peer._ === 'peerChat') return { _: 'inputPeerChat', chat_id: peer.chat_id }
  const user = (result.users as TlObject[]).find((u) => u.id === peer.user_id) as TlObject
  return { _: 'inputPeerUser', user_id: user.id, access_hash: user.access_hash }
}

function topDate(result: TlObject, dialog: TlObject): number {
  const peer = dialog.peer as TlObject
  const message = (result.messages as TlObject[]).find(
    (m) => m.id === dialog.top_message && peerKey(m.peer_id as TlObject) === peerKey(peer),
  ) as TlObject
  return message.date as number
}

async function walkDialogs(emu: Emulator, limit: number): Promise<{ keys: string[]; dates: number[]; pages: TlObject[] }> {
  const keys: string[] = []
  const dates: number[] = []
  const pages: TlObject[] = []
  let offset: { offset_date: number; offset_id: number; offset_peer: TlObject } | undefined
  for (let guard = 0; guard < 50; guard++) {
    const result = (await emu.call(getDialogs({ limit, ...offset }))) as TlObject
    pages.push(result)
    const dialogs = result.dialogs as TlObject[]
    if (dialogs.length === 0) break
    for (const dialog of dialogs) {
      keys.push(peerKey(dialog.peer as TlObject))
      dates.push(topDate(result, dialog))
    }
    const last = dialogs[dialogs.length - 1]
    offset = { offset_date: topDate(result, last), offset_id: last.top_message as number, offset_peer: inputPeerOf(result, last.peer as TlObject) }
    if (result._ === 'messages.dialogs') break
  }
  return { keys, dates, pages }
}

test('getDialogs lists member channels, the basic group and the private chat, newest top message first', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const result = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  assert.equal(result._, 'messages.dialogs')
  const dialogs = result.dialogs as TlObject[]
  const members = emu.world.channels.filter((c) => c.memberByDefault)
  assert.equal(dialogs.length, members.length + 2)
  const dates = dialogs.map((d) => topDate(result, d))
  assert.deepEqual(dates, [...dates].sort((a, b) => b - a))
  const keys = new Set(dialogs.map((d) => peerKey(d.peer as TlObject)))
  for (const channel of members) assert.ok(keys.has(`peerChannel:${channel.id}`))
  assert.ok(keys.has(`peerChat:${emu.world.chats[0].id}`))
  assert.ok(keys.has(`peerUser:${emu.world.users[0].id}`))
  const channelDialog = dialogs.find((d) => (d.peer as TlObject)._ === 'peerChannel') as TlObject
  assert.equal(typeof channelDialog.pts, 'number')
  for (const layer of [227, 198]) encodeResult(layer, 'messages.getDialogs', result)
})

test('paging getDialogs by offset_date / offset_id / offset_peer covers every dialog exactly once', async () => {
  const emu = makeEmulator({ world: { channels: 23, messagesPerChannel: 40 } })
  await signIn(emu)
  const whole = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  const expected = (whole.dialogs as TlObject[]).map((d) => peerKey(d.peer as TlObject))
  assert.equal(expected.length, 25)
  for (const limit of [1, 4, 7, 25]) {
    const { keys, dates, pages } = await walkDialogs(emu, limit)
    assert.deepEqual(keys, expected, `limit ${limit}`)
    assert.deepEqual(dates, [...dates].sort((a, b) => b - a))
    if (limit < 25) {
      assert.equal(pages[0]._, 'messages.dialogsSlice')
      assert.equal(pages[0].count, 25)
    }
    for (const page of pages) for (const layer of [227, 198]) encodeResult(layer, 'messages.getDialogs', page)
  }
})

test('dialogs of equal top-message date are still paged without loss or repeats', async () => {
  // A one-second span puts many top messages on the same second.
  const emu = makeEmulator({ world: { channels: 12, messagesPerChannel: 3, spanSeconds: 1 } })
  await signIn(emu)
  const whole = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  const expected = (whole.dialogs as TlObject[]).map((d) => peerKey(d.peer as TlObject))
  const { keys } = await walkDialogs(emu, 2)
  assert.deepEqual(keys, expected)
  assert.equal(new Set(keys).size, keys.length)
})

test('a joined discoverable channel appears in the dialogs; a wrong access_hash cannot join', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const extra = emu.world.channels.find((c) => !c.memberByDefault)!
  const before = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  assert.ok(!(before.dialogs as TlObject[]).some((d) => (d.peer as TlObject).channel_id === extra.id))

  const resolved = (await emu.call({ _: 'contacts.resolveUsername', username: extra.username })) as TlObject
  const channel = (resolved.chats as TlObject[])[0]
  assert.equal(channel.left, true)
  await assert.rejects(
    emu.call({ _: 'channels.joinChannel', channel: { _: 'inputChannel', channel_id: extra.id, access_hash: 99n } }),
    rpcError(400, 'CHANNEL_PRIVATE'),
  )
  const joined227 = (await emu.call({ _: 'channels.joinChannel', channel: { _: 'inputChannel', channel_id: extra.id, access_hash: channel.access_hash } })) as TlObject
  assert.equal(joined227._, 'messages.chatInviteJoinResultOk')
  encodeResult(227, 'channels.joinChannel', joined227)
  const joined198 = (await emu.call({ _: 'channels.joinChannel', channel: { _: 'inputChannel', channel_id: extra.id, access_hash: channel.access_hash } }, 1n, 198)) as TlObject
  assert.equal(joined198._, 'updates')
  encodeResult(198, 'channels.joinChannel', joined198)

  const after = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  assert.ok((after.dialogs as TlObject[]).some((d) => (d.peer as TlObject).channel_id === extra.id))
})

test('contacts.resolveUsername finds channels and users and reports USERNAME_NOT_OCCUPIED', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const channel = emu.world.channels[1]
  const result = (await emu.call({ _: 'contacts.resolveUsername', username: channel.username })) as TlObject
  assert.deepEqual(result.peer, { _: 'peerChannel', channel_id: channel.id })
  const chat = (result.chats as TlObject[])[0]
  assert.equal(chat.megagroup, true)
  assert.equal(chat.broadcast, false)
  assert.equal(chat.access_hash, channel.accessHash)
  for (const layer of [227, 198]) encodeResult(layer, 'contacts.resolveUsername', result)
  const user = emu.world.users.find((u) => u.username)!
  const byUser = (await emu.call({ _: 'contacts.resolveUsername', username: user.username })) as TlObject
  assert.deepEqual(byUser.peer, { _: 'peerUser', user_id: user.id })
  await assert.rejects(emu.call({ _: 'contacts.resolveUsername', username: 'nobody_here' }), rpcError(400, 'USERNAME_NOT_OCCUPIED'))
})

test('channels.getChannels and getFullChannel describe the channel in every layer', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const channel = emu.world.channels[0]
  const input = { _: 'inputChannel', channel_id: channel.id, access_hash: channel.accessHash }
  const chats = (await emu.call({ _: 'channels.getChannels', id: [input] })) as TlObject
  const object = (chats.chats as TlObject[])[0]
  assert.equal(object.broadcast, true)
  assert.equal(object.username, channel.username)
  assert.equal(object.title, channel.title)
  const full = (await emu.call({ _: 'channels.getFullChannel', channel: input })) as TlObject
  assert.equal((full.full_chat as TlObject).id, channel.id)
  assert.equal((full.full_chat as TlObject).pts, channel.history.topId)
  for (const layer of [227, 198]) {
    encodeResult(layer, 'channels.getChannels', chats)
    encodeResult(layer, 'channels.getFullChannel', full)
  }
})

test('updates.getState, getDifference and getChannelDifference answer consistently empty', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const state = (await emu.call({ _: 'updates.getState' })) as TlObject
  const diff = (await emu.call({ _: 'updates.getDifference', pts: state.pts, date: state.date, qts: 0 })) as TlObject
  assert.equal(diff._, 'updates.differenceEmpty')
  const channel = emu.world.channels[0]
  const channelDiff = (await emu.call({
    _: 'updates.getChannelDifference',
    channel: { _: 'inputChannel', channel_id: channel.id, access_hash: channel.accessHash },
    filter: { _: 'channelMessagesFilterEmpty' },
    pts: channel.history.topId,
    limit: 100,
  })) as TlObject
  assert.equal(channelDiff._, 'updates.channelDifferenceEmpty')
  assert.equal(channelDiff.pts, channel.history.topId)
  for (const layer of [227, 198]) {
    encodeResult(layer, 'updates.getState', state)
    encodeResult(layer, 'updates.getDifference', diff)
    encodeResult(layer, 'updates.getChannelDifference', channelDiff)
  }
})

test('getDialogs shows the dialog-list shapes of real accounts: pinned first, deleted tops, drafts, the archive as dialogFolder, min channels', async () => {
  const emu = makeEmulator({
    world: { channels: 5, messagesPerChannel: 20, pinnedChannels: 2, deletedTopChannels: 2, draftChannels: 1, archivedChannels: 2, minChannels: 1 },
  })
  await signIn(emu)
  const channels = emu.world.channels
  const main = (await emu.call(getDialogs({ folder_id: 0, limit: 100 }))) as TlObject
  const dialogs = main.dialogs as TlObject[]
  // The archive first, then the two pinned channels in pin order.
  assert.equal(dialogs[0]._, 'dialogFolder')
  assert.equal((dialogs[0].folder as TlObject).id, 1)
  assert.deepEqual(dialogs.slice(1, 3).map((d) => [(d.peer as TlObject).channel_id, d.pinned]), channels.slice(0, 2).map((c) => [c.id, true]))
  const archived = channels.filter((c) => c.dialog.folderId === 1).map((c) => c.id)
  assert.ok(dialogs.every((d) => d._ === 'dialogFolder' || !archived.includes((d.peer as TlObject).channel_id as number)))
  // Deleted top messages: one as messageEmpty, one missing; getHistory never returns them.
  const messages = main.messages as TlObject[]
  for (const channel of channels.filter((c) => c.dialog.deletedTop)) {
    const deleted = channel.dialog.deletedTop!
    const dialog = dialogs.find((d) => (d.peer as TlObject).channel_id === channel.id) as TlObject
    assert.equal(dialog.top_message, deleted.id)
    const top = messages.find((m) => m.id === deleted.id && (m.peer_id as TlObject | undefined)?.channel_id === channel.id)
    assert.equal(top?._, deleted.shown === 'empty' ? 'messageEmpty' : undefined)
    assert.ok((main.chats as TlObject[]).some((c) => c.id === channel.id), 'the channel is in chats either way')
  }
  // The drafted channel sorts by its draft: first after the pinned ones, its top message old.
  const drafted = channels.find((c) => c.dialog.draftDate !== undefined)!
  const draftDialog = dialogs.find((d) => (d.peer as TlObject).channel_id === drafted.id) as TlObject
  assert.equal((draftDialog.draft as TlObject).date, emu.now)
  const position = (id: number) => dialogs.findIndex((d) => (d.peer as TlObject).channel_id === id)
  for (const channel of channels.slice(2, 5)) assert.ok(position(drafted.id) < position(channel.id), 'before every channel with newer messages')
  // The min channel comes without access_hash.
  const min = channels.find((c) => c.dialog.min)!
  const minChat = (main.chats as TlObject[]).find((c) => c.id === min.id) as TlObject
  assert.equal(minChat.min, true)
  assert.equal(minChat.access_hash, undefined)
  // The archive holds exactly the archived channels; no folder_id lists both folders without a dialogFolder.
  const archive = (await emu.call(getDialogs({ folder_id: 1, limit: 100 }))) as TlObject
  assert.deepEqual((archive.dialogs as TlObject[]).map((d) => (d.peer as TlObject).channel_id).sort(), [...archived].sort())
  assert.ok((archive.dialogs as TlObject[]).every((d) => d.folder_id === 1))
  const every = (await emu.call(getDialogs({ limit: 100 }))) as TlObject
  assert.equal((every.dialogs as TlObject[]).length, dialogs.length - 1 + archived.length)
  assert.ok((every.dialogs as TlObject[]).every((d) => d._ === 'dialog'))
  // Pinned dialogs are on the first page only.
  const offsetPage = (await emu.call(getDialogs({ folder_id: 0, limit: 100, offset_date: emu.now + 10 }))) as TlObject
  assert.ok((offsetPage.dialogs as TlObject[]).every((d) => d._ === 'dialog' && d.pinned !== true))
  for (const page of [main, archive, every, offsetPage]) for (const layer of [227, 198]) encodeResult(layer, 'messages.getDialogs', page)
})
