/**
 * Joining and leaving channels in the emulator: by id for public channels, by invite link for
 * private ones, with Telegram's refusals, per account, and kept across a restart of the state.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { TlObject } from '../src/tl/tl-object.ts'
import { Accounts } from '../src/world/accounts.ts'
import { encodeResult, makeEmulator, rpcError, signIn } from './rpc-fixture.ts'

const inputChannel = (channel: { id: number; accessHash: bigint }): TlObject => ({ _: 'inputChannel', channel_id: channel.id, access_hash: channel.accessHash })
const dialogChannelIds = async (emu: ReturnType<typeof makeEmulator>, authKeyId = 1n): Promise<number[]> => {
  const result = (await emu.call({ _: 'messages.getDialogs', offset_date: 0, offset_id: 0, offset_peer: { _: 'inputPeerEmpty' }, limit: 100, hash: 0n }, authKeyId)) as TlObject
  return (result.dialogs as TlObject[]).map((d) => d.peer as TlObject).filter((p) => p._ === 'peerChannel').map((p) => Number(p.channel_id))
}

test('the world offers private channels with open, approval and expired invite links, deterministically', () => {
  const a = makeEmulator({ world: { privateChannels: 2 } })
  const b = makeEmulator({ world: { privateChannels: 2 } })
  const plain = makeEmulator()
  const privates = a.world.channels.filter((c) => c.username === undefined)
  assert.equal(privates.length, 2)
  assert.ok(privates.every((c) => !c.memberByDefault))
  assert.deepEqual([...a.world.invites.values()].map((i) => i.kind).sort(), ['approval', 'expired', 'expired', 'open'])
  assert.deepEqual([...a.world.invites.keys()], [...b.world.invites.keys()])
  for (const hash of a.world.invites.keys()) assert.match(hash, /^[A-Za-z0-9_-]{16}$/)
  // The channels before them are those of the world without them.
  assert.deepEqual(a.world.channels.slice(0, plain.world.channels.length).map((c) => [c.id, c.accessHash, c.username]), plain.world.channels.map((c) => [c.id, c.accessHash, c.username]))
  assert.equal(plain.world.invites.size, 0)
})

test('an open invite link joins a private channel; checkChatInvite then says chatInviteAlready', async () => {
  const emu = makeEmulator({ world: { privateChannels: 1 } })
  await signIn(emu)
  const invite = [...emu.world.invites.values()].find((i) => i.kind === 'open')!
  const channel = emu.world.channelsById.get(invite.channelId)!
  await assert.rejects(emu.call({ _: 'messages.getHistory', peer: { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash }, offset_id: 0, offset_date: 0, add_offset: 0, limit: 10, max_id: 0, min_id: 0, hash: 0n }), rpcError(400, 'CHANNEL_PRIVATE'))
  await assert.rejects(emu.call({ _: 'channels.joinChannel', channel: inputChannel(channel) }), rpcError(400, 'CHANNEL_PRIVATE'))

  const checked = (await emu.call({ _: 'messages.checkChatInvite', hash: invite.hash })) as TlObject
  assert.equal(checked._, 'chatInvite')
  assert.equal(checked.channel, true)
  assert.equal(checked.request_needed, false)
  assert.equal(checked.title, channel.title)
  encodeResult(227, 'messages.checkChatInvite', checked)
  encodeResult(198, 'messages.checkChatInvite', checked)

  const joined = (await emu.call({ _: 'messages.importChatInvite', hash: invite.hash })) as TlObject
  assert.equal(joined._, 'messages.chatInviteJoinResultOk')
  encodeResult(227, 'messages.importChatInvite', joined)
  const chat = ((joined.updates as TlObject).chats as TlObject[])[0]
  assert.equal(chat.id, channel.id)
  assert.equal(chat.left, false)
  assert.ok((await dialogChannelIds(emu)).includes(channel.id))

  const again = (await emu.call({ _: 'messages.checkChatInvite', hash: invite.hash })) as TlObject
  assert.equal(again._, 'chatInviteAlready')
  await assert.rejects(emu.call({ _: 'messages.importChatInvite', hash: invite.hash }), rpcError(400, 'USER_ALREADY_PARTICIPANT'))
})

test('invalid, expired and approval invite links are refused as Telegram refuses them', async () => {
  const emu = makeEmulator({ world: { privateChannels: 2 } })
  await signIn(emu)
  const invites = [...emu.world.invites.values()]
  const expired = invites.find((i) => i.kind === 'expired')!
  const approval = invites.find((i) => i.kind === 'approval')!
  for (const method of ['messages.checkChatInvite', 'messages.importChatInvite']) {
    await assert.rejects(emu.call({ _: method, hash: 'AAAAAAAAAAAAAAAA' }), rpcError(400, 'INVITE_HASH_INVALID'))
    await assert.rejects(emu.call({ _: method, hash: '' }), rpcError(400, 'INVITE_HASH_EMPTY'))
    await assert.rejects(emu.call({ _: method, hash: expired.hash }), rpcError(400, 'INVITE_HASH_EXPIRED'))
  }
  const checked = (await emu.call({ _: 'messages.checkChatInvite', hash: approval.hash })) as TlObject
  assert.equal(checked.request_needed, true)
  await assert.rejects(emu.call({ _: 'messages.importChatInvite', hash: approval.hash }), rpcError(400, 'INVITE_REQUEST_SENT'))
  const user = emu.accounts.userFor(1n)!
  assert.deepEqual([...emu.accounts.memberships.requested(user.id)], [approval.channelId])
  assert.ok(!(await dialogChannelIds(emu)).includes(approval.channelId), 'a request is not a membership')
})

test('leaving a channel removes it from the dialogs of that account only; leaving again is USER_NOT_PARTICIPANT', async () => {
  const emu = makeEmulator()
  await signIn(emu, 1n, '+15550001111')
  await signIn(emu, 2n, '+15550002222')
  const channel = emu.world.channels[0]
  const left = (await emu.call({ _: 'channels.leaveChannel', channel: inputChannel(channel) })) as TlObject
  encodeResult(227, 'channels.leaveChannel', left)
  assert.equal((left.chats as TlObject[])[0].left, true)
  assert.ok(!(await dialogChannelIds(emu, 1n)).includes(channel.id))
  assert.ok((await dialogChannelIds(emu, 2n)).includes(channel.id), 'the other account is still in it')
  await assert.rejects(emu.call({ _: 'channels.leaveChannel', channel: inputChannel(channel) }), rpcError(400, 'USER_NOT_PARTICIPANT'))
  // A default channel left can be joined again by id.
  await emu.call({ _: 'channels.joinChannel', channel: inputChannel(channel) })
  assert.ok((await dialogChannelIds(emu, 1n)).includes(channel.id))
})

test('joining beyond the channel limit is CHANNELS_TOO_MUCH', async () => {
  const emu = makeEmulator({ world: { discoverableChannels: 2 }, accounts: { channelLimit: 5 } })
  await signIn(emu)
  const [first, second] = emu.world.channels.filter((c) => !c.memberByDefault)
  await emu.call({ _: 'channels.joinChannel', channel: inputChannel(first) })
  await assert.rejects(emu.call({ _: 'channels.joinChannel', channel: inputChannel(second) }), rpcError(400, 'CHANNELS_TOO_MUCH'))
  assert.equal(emu.accounts.memberships.count(emu.accounts.userFor(1n)!.id, emu.world), 5)
})

test('joins, leaves and join requests survive the accounts state round trip', async () => {
  const emu = makeEmulator({ world: { privateChannels: 2 } })
  await signIn(emu)
  const invites = [...emu.world.invites.values()]
  const open = invites.find((i) => i.kind === 'open')!
  const approval = invites.find((i) => i.kind === 'approval')!
  await emu.call({ _: 'messages.importChatInvite', hash: open.hash })
  await assert.rejects(emu.call({ _: 'messages.importChatInvite', hash: approval.hash }), rpcError(400, 'INVITE_REQUEST_SENT'))
  await emu.call({ _: 'channels.leaveChannel', channel: inputChannel(emu.world.channels[1]) })
  const user = emu.accounts.userFor(1n)!
  const restored = Accounts.fromJSON(JSON.parse(JSON.stringify(emu.accounts.toJSON())), { seed: 7 })
  for (const channel of emu.world.channels) {
    assert.equal(restored.memberships.isMember(user.id, channel), emu.accounts.memberships.isMember(user.id, channel), channel.title)
  }
  assert.ok(restored.memberships.isMember(user.id, emu.world.channelsById.get(open.channelId)!))
  assert.ok(!restored.memberships.isMember(user.id, emu.world.channels[1]))
  assert.deepEqual([...restored.memberships.requested(user.id)], [approval.channelId])
})
