/**
 * The living emulator, read by the pinned mtcute client with its update handling on, as any
 * application runs it: posts, edits and deletions arrive as pushes; every answer that carries
 * a channel's pts agrees; missed events come back through updates.getChannelDifference, which
 * mtcute asks for by itself; a gap the emulator no longer replays is answered TooLong.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Long, type tl } from '@mtcute/core'
import type { TelegramClient } from '@mtcute/node'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator.ts'
import type { WorldOptions } from '../src/world/generate-world.ts'
import { mtcuteClientFor, type MtcuteClientOptions } from './helpers/emulator-client.ts'

const rsaPrivateKeyPem = generateRsaServerKey().privateKeyPem
const WORLD: WorldOptions = { seed: 5, channels: 3, messagesPerChannel: 30, spanSeconds: 86_400, now: Math.floor(Date.now() / 1000) }

interface Seen {
  kind: 'new' | 'edit' | 'delete'
  channelId: number
  ids: number[]
  text?: string
}

/** A signed-in mtcute client recording every channel event it is given. */
async function listeningClient(emu: Emulator, phone: string, options: MtcuteClientOptions = {}): Promise<{ tg: TelegramClient; seen: Seen[]; next(count: number): Promise<Seen[]> }> {
  // catchUp: mtcute then listens from the moment it is signed in, not only once it has
  // fetched its first state (a push in between would be dropped, its pts never learnt).
  const tg = mtcuteClientFor(emu, { ...options, updates: { catchUp: true, ...options.updates } })
  const seen: Seen[] = []
  const waiters: Array<() => void> = []
  const record = (event: Seen): void => {
    seen.push(event)
    for (const wake of waiters.splice(0)) wake()
  }
  tg.onNewMessage.add((m) => record({ kind: 'new', channelId: m.chat.id, ids: [m.id], text: m.text }))
  tg.onEditMessage.add((m) => record({ kind: 'edit', channelId: m.chat.id, ids: [m.id], text: m.text }))
  tg.onDeleteMessage.add((d) => record({ kind: 'delete', channelId: d.channelId ?? 0, ids: [...d.messageIds] }))
  const sent = await tg.sendCode({ phone })
  assert.ok('phoneCodeHash' in sent)
  // signIn starts mtcute's update loop (notifyLoggedIn).
  await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
  const next = async (count: number): Promise<Seen[]> => {
    while (seen.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
    return seen.slice(0, count)
  }
  return { tg, seen, next }
}

/** Bare channel id as mtcute marks it (-100…). */
const marked = (channelId: number): number => -(1_000_000_000_000 + channelId)

function inputChannel(emu: Emulator, channelId: number): tl.RawInputChannel {
  const channel = emu.world.channelsById.get(channelId)!
  return { _: 'inputChannel', channelId, accessHash: Long.fromString(channel.accessHash.toString()) }
}

async function startWith(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ rsaPrivateKeyPem, world: WORLD, ...options })
}

describe('a living emulator read by mtcute with updates on', () => {
  let emu: Emulator
  before(async () => {
    emu = await startWith()
  })
  after(() => emu.stop())

  test('posts, edits and deletions arrive as pushes, in pts order', async () => {
    const { tg, next } = await listeningClient(emu, '+15550000001')
    try {
      const channel = emu.world.channels[0]
      const before = channel.log.pts
      const first = channel.log.nextId()
      emu.post(channel.id, 'first live post')
      emu.post(channel.id, 'second live post')
      emu.edit(channel.id, first, 'first, edited')
      emu.delete(channel.id, [first + 1])
      const events = await next(4)
      assert.deepEqual(events, [
        { kind: 'new', channelId: marked(channel.id), ids: [first], text: 'first live post' },
        { kind: 'new', channelId: marked(channel.id), ids: [first + 1], text: 'second live post' },
        { kind: 'edit', channelId: marked(channel.id), ids: [first], text: 'first, edited' },
        { kind: 'delete', channelId: marked(channel.id), ids: [first + 1] },
      ])
      assert.equal(channel.log.pts, before + 4)
    } finally {
      await tg.destroy()
    }
  })

  test('every answer that carries a pts agrees with the channel, and history reads see the new posts', async () => {
    const { tg, next } = await listeningClient(emu, '+15550000002')
    try {
      const channel = emu.world.channels[1]
      const posted = emu.post(channel.id, 'seen by history')
      await next(1)
      const input = inputChannel(emu, channel.id)
      const peer: tl.RawInputPeerChannel = { _: 'inputPeerChannel', channelId: channel.id, accessHash: input.accessHash }
      const history = await tg.call({ _: 'messages.getHistory', peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 5, maxId: 0, minId: 0, hash: Long.ZERO })
      assert.equal(history._, 'messages.channelMessages')
      const top = history.messages[0] as tl.RawMessage
      assert.deepEqual({ id: top.id, text: top.message }, { id: posted.kind === 'new' ? posted.id : 0, text: 'seen by history' })
      const full = await tg.call({ _: 'channels.getFullChannel', channel: input })
      const dialogs = await tg.call({ _: 'messages.getPeerDialogs', peers: [{ _: 'inputDialogPeer', peer }] })
      const dialog = dialogs.dialogs[0] as tl.RawDialog
      assert.deepEqual(
        { history: history._ === 'messages.channelMessages' ? history.pts : -1, full: (full.fullChat as tl.RawChannelFull).pts, dialog: dialog.pts, top: dialog.topMessage },
        { history: channel.log.pts, full: channel.log.pts, dialog: channel.log.pts, top: top.id },
      )
    } finally {
      await tg.destroy()
    }
  })

  test('a session that asks for no updates gets no pushes', async () => {
    // mtcute's disableUpdates wraps every call in invokeWithoutUpdates.
    const tg = mtcuteClientFor(emu, { disableUpdates: true })
    try {
      const phone = '+15550000003'
      const sent = await tg.sendCode({ phone })
      assert.ok('phoneCodeHash' in sent)
      const me = await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
      await tg.call({ _: 'help.getNearestDc' })
      const probe = { _: 'updates', updates: [], users: [], chats: [], date: 0, seq: 0 }
      assert.equal(emu.updates.toUser(me.id, probe), 0)
    } finally {
      await tg.destroy()
    }
  })

  test('a session that wants updates is pushed to', async () => {
    const { tg, next } = await listeningClient(emu, '+15550000004')
    try {
      await next(0)
      const me = await tg.getMe()
      const probe = { _: 'updates', updates: [], users: [], chats: [], date: 0, seq: 0 }
      assert.equal(emu.updates.toUser(me.id, probe), 1)
    } finally {
      await tg.destroy()
    }
  })
})

describe('catching up after a dropped connection', () => {
  test('mtcute recovers the posts made while it was disconnected through getChannelDifference, by itself', async () => {
    const emu = await startWith()
    const { tg, next } = await listeningClient(emu, '+15550000010')
    try {
      const channel = emu.world.channels[0]
      emu.post(channel.id, 'before the drop')
      await next(1)
      emu.dropConnections()
      emu.post(channel.id, 'while away 1')
      emu.post(channel.id, 'while away 2')
      // Any call brings the connection back; the next push then shows mtcute its gap.
      await tg.call({ _: 'help.getNearestDc' })
      const asked = emu.faults.counters.get('updates.getChannelDifference')
      emu.post(channel.id, 'after the drop')
      const events = await next(4)
      assert.deepEqual(events.map((e) => e.text), ['before the drop', 'while away 1', 'while away 2', 'after the drop'])
      assert.ok(emu.faults.counters.get('updates.getChannelDifference') > asked, 'the gap was filled by getChannelDifference')
    } finally {
      await tg.destroy()
      await emu.stop()
    }
  })

  test('a gap longer than the emulator replays is answered channelDifferenceTooLong', async () => {
    const emu = await startWith({ replayLimit: 2 })
    const tooLong: Array<{ channelId: number; diff: tl.updates.RawChannelDifferenceTooLong }> = []
    const { tg, next } = await listeningClient(emu, '+15550000011', {
      updates: { onChannelTooLong: (channelId, diff) => tooLong.push({ channelId, diff }) },
    })
    try {
      const channel = emu.world.channels[0]
      emu.post(channel.id, 'seen')
      await next(1)
      emu.dropConnections()
      for (let i = 0; i < 3; i++) emu.post(channel.id, `missed ${i}`)
      await tg.call({ _: 'help.getNearestDc' })
      emu.post(channel.id, 'after')
      while (tooLong.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
      const [{ channelId, diff }] = tooLong
      assert.equal(channelId, channel.id)
      assert.equal((diff.dialog as tl.RawDialog).pts, channel.log.pts)
      assert.equal((diff.messages[0] as tl.RawMessage).message, 'after')
    } finally {
      await tg.destroy()
      await emu.stop()
    }
  })
})
