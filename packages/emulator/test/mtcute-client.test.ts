/**
 * Acceptance: the pinned mtcute client, used as any application uses it (its high-level API,
 * raw `tg.call` only where that API does not reach), against the emulator over TCP. Every
 * message read back is compared field by field with the world's own message for that id.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Message, tl } from '@mtcute/core'
import type { TelegramClient } from '@mtcute/node'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator.ts'
import type { WorldOptions } from '../src/world/generate-world.ts'
import type { History } from '../src/world/history.ts'
import type { WorldChannel } from '../src/world/world.ts'
import { mtcuteClientFor } from './helpers/emulator-client.ts'
import { worldMessage, worldView, type MessageView, type Tl } from './helpers/message-view.ts'

// One key for every emulator of this file: RSA generation is the slow part of starting one.
const rsaPrivateKeyPem = generateRsaServerKey().privateKeyPem

const WORLD: WorldOptions = { seed: 11, channels: 3, messagesPerChannel: 320, spanSeconds: 4 * 86400, now: 1_751_000_000 }
const CODE_TTL_MS = 300_000

async function emulatorWith(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ rsaPrivateKeyPem, world: WORLD, ...options })
}

/** The TL error an RPC failed with, for assert.rejects. */
function rpcError(code: number, text: string) {
  return (error: unknown): boolean => {
    const e = error as { code?: number; text?: string }
    assert.deepEqual({ code: e.code, text: e.text }, { code, text }, String(error))
    return true
  }
}

async function signInWithCode(tg: TelegramClient, emu: Emulator, phone: string): Promise<number> {
  const sent = await tg.sendCode({ phone })
  assert.ok('phoneCodeHash' in sent, 'a user sign-in gets a phone_code_hash')
  const me = await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
  return me.id
}

function mtcuteView(raw: tl.TypeMessage): MessageView {
  const o = raw as unknown as Tl
  const from = o.fromId as Tl | undefined
  const groupedId = o.groupedId as { toString(): string } | undefined
  return {
    _: raw._,
    id: o.id as number,
    date: o.date as number,
    message: o.message as string | undefined,
    views: o.views as number | undefined,
    forwards: o.forwards as number | undefined,
    postAuthor: o.postAuthor as string | undefined,
    groupedId: groupedId === undefined ? undefined : groupedId.toString(),
    entities: (o.entities as Tl[] | undefined)?.map((e) => ({
      _: e._ as string,
      offset: e.offset as number,
      length: e.length as number,
      ...(e.url !== undefined ? { url: e.url as string } : {}),
    })),
    fromUserId: from === undefined ? undefined : String(from.userId),
    replies: (o.replies as Tl | undefined)?.replies as number | undefined,
    editDate: o.editDate as number | undefined,
    replyToMsgId: (o.replyTo as Tl | undefined)?.replyToMsgId as number | undefined,
    media: (o.media as Tl | undefined)?._ as string | undefined,
    action: (o.action as Tl | undefined)?._ as string | undefined,
  }
}


function assertSameAsWorld(emu: Emulator, channel: WorldChannel, userId: number, read: readonly { raw: tl.TypeMessage }[]): void {
  for (const m of read) {
    assert.deepEqual(mtcuteView(m.raw), worldView(worldMessage(emu, channel.history, userId, m.raw.id)), `message ${m.raw.id}`)
  }
}

/** Ids of the world's history, oldest first. */
function worldIds(history: History): number[] {
  return Array.from(history.ids)
}

function authKeyCount(emu: Emulator): number {
  return emu.dc(emu.dcId).authKeys.toJSON().keys.length
}

describe('mtcute 0.30.3 against the emulator over TCP', () => {
  const serverLog: string[] = []
  let emu: Emulator
  let tg: TelegramClient
  let userId: number
  const phone = '+15550001111'

  before(async () => {
    emu = await emulatorWith({ log: (line) => serverLog.push(line) })
  })
  after(async () => {
    await tg?.destroy()
    await emu.stop()
  })

  test('mtcute creates an auth key and signs in with the code the emulator sent to the phone', async () => {
    assert.equal(authKeyCount(emu), 0)
    tg = mtcuteClientFor(emu)
    userId = await signInWithCode(tg, emu, phone)

    const { keys } = emu.dc(emu.dcId).authKeys.toJSON()
    assert.equal(keys.length, 1, 'one key exchange')
    assert.equal(keys[0].layer, 227, 'mtcute announced its layer with invokeWithLayer')
    assert.equal(emu.faults.counters.get('auth.sendCode'), 1)
    assert.equal(emu.faults.counters.get('auth.signIn'), 1)
    assert.equal(userId, emu.accounts.userIdFor(BigInt(keys[0].id)))
    const me = await tg.getMe()
    assert.equal(me.id, userId)
    assert.equal(me.isSelf, true)
    assert.equal(me.phoneNumber, '15550001111')
  })

  test('a wrong code is refused with PHONE_CODE_INVALID and the right code still signs in', async () => {
    const other = mtcuteClientFor(emu)
    try {
      const sent = await other.sendCode({ phone: '+15550002222' })
      assert.ok('phoneCodeHash' in sent)
      const args = { phone: '+15550002222', phoneCodeHash: sent.phoneCodeHash }
      await assert.rejects(other.signIn({ ...args, phoneCode: '00000' }), rpcError(400, 'PHONE_CODE_INVALID'))
      const me = await other.signIn({ ...args, phoneCode: emu.lastCode('+15550002222')! })
      assert.equal(me.phoneNumber, '15550002222')
      assert.notEqual(me.id, userId)
    } finally {
      await other.destroy()
    }
  })

  test('a code sent to one auth key is refused as PHONE_CODE_EXPIRED on another', async () => {
    const a = mtcuteClientFor(emu)
    const b = mtcuteClientFor(emu)
    try {
      const sent = await a.sendCode({ phone: '+15550003333' })
      assert.ok('phoneCodeHash' in sent)
      const code = emu.lastCode('+15550003333')!
      await assert.rejects(
        b.signIn({ phone: '+15550003333', phoneCodeHash: sent.phoneCodeHash, phoneCode: code }),
        rpcError(400, 'PHONE_CODE_EXPIRED'),
      )
      // The key the code was sent to can still use it.
      const me = await a.signIn({ phone: '+15550003333', phoneCodeHash: sent.phoneCodeHash, phoneCode: code })
      assert.equal(me.phoneNumber, '15550003333')
    } finally {
      await a.destroy()
      await b.destroy()
    }
  })

  test('two-step verification: SESSION_PASSWORD_NEEDED, a wrong password refused, the right one signs in', async () => {
    const phone2 = '+15550004444'
    emu.setTwoFactorPassword(phone2, 'correct horse', 'a stable animal')
    const client = mtcuteClientFor(emu)
    try {
      const sent = await client.sendCode({ phone: phone2 })
      assert.ok('phoneCodeHash' in sent)
      await assert.rejects(
        client.signIn({ phone: phone2, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone2)! }),
        rpcError(401, 'SESSION_PASSWORD_NEEDED'),
      )
      assert.equal(await client.getPasswordHint(), 'a stable animal')
      await assert.rejects(client.checkPassword('wrong horse'), rpcError(400, 'PASSWORD_HASH_INVALID'))
      const me = await client.checkPassword('correct horse')
      assert.equal(me.phoneNumber, '15550004444')
      assert.equal((await client.getMe()).id, me.id)
    } finally {
      await client.destroy()
    }
  })

  test('an exported session restores in a new client without a new login or key exchange', async () => {
    const session = await tg.exportSession()
    await tg.destroy()
    const keys = authKeyCount(emu)
    const signIns = emu.faults.counters.get('auth.signIn')
    const codes = emu.faults.counters.get('auth.sendCode')

    tg = mtcuteClientFor(emu)
    await tg.importSession(session)
    const me = await tg.getMe()
    assert.equal(me.id, userId)
    const page = await tg.getHistory('canal_1', { limit: 3 })
    assert.equal(page.length, 3)

    assert.equal(authKeyCount(emu), keys, 'no key exchange')
    assert.equal(emu.faults.counters.get('auth.signIn'), signIns, 'no sign-in')
    assert.equal(emu.faults.counters.get('auth.sendCode'), codes, 'no code sent')
  })

  test("resolving a channel's username gives the world's channel, id and access hash", async () => {
    const channel = emu.world.channels[0]
    const peer = await tg.resolvePeer(channel.username!)
    assert.equal(peer._, 'inputPeerChannel')
    const input = peer as tl.RawInputPeerChannel
    assert.equal(input.channelId, channel.id)
    assert.equal(input.accessHash.toString(), channel.accessHash.toString())
    assert.ok(emu.faults.counters.get('contacts.resolveUsername') >= 1)

    const chat = await tg.getChat(channel.username!)
    assert.equal(chat.title, channel.title)
    assert.equal(chat.username, channel.username)
  })

  test('paging a long history newest first reads every message, each equal to the world message field by field', async () => {
    for (const channel of emu.world.channels) {
      const calls = emu.faults.counters.get('messages.getHistory')
      const read: Message[] = []
      for await (const m of tg.iterHistory(channel.username!, { chunkSize: 100 })) read.push(m)

      assert.deepEqual(read.map((m) => m.id), worldIds(channel.history).reverse(), channel.username)
      assertSameAsWorld(emu, channel, userId, read)
      // Pages of 100, then the empty page that ends mtcute's iteration.
      assert.equal(emu.faults.counters.get('messages.getHistory') - calls, Math.ceil(channel.history.length / 100) + 1)
    }
  })

  test('the compared messages exercise every compared field', () => {
    const views = emu.world.channels.flatMap((channel) =>
      worldIds(channel.history).map((id) => worldView(worldMessage(emu, channel.history, userId, id))),
    )
    for (const field of ['views', 'forwards', 'postAuthor', 'groupedId', 'entities', 'fromUserId', 'replies', 'editDate', 'replyToMsgId', 'media', 'action'] as const) {
      assert.ok(views.some((v) => v[field] !== undefined), `some message has ${field}`)
    }
    // An album id lies beyond 2^53: it only survives when read as a 64-bit integer.
    assert.ok(views.some((v) => v.groupedId !== undefined && BigInt(v.groupedId) > 2n ** 53n))
  })

  test('paging oldest first (reverse) reads every message in ascending order, equal to the world', async () => {
    const channel = emu.world.channels[1]
    const read: Message[] = []
    for await (const m of tg.iterHistory(channel.username!, { reverse: true, chunkSize: 70 })) read.push(m)
    assert.deepEqual(read.map((m) => m.id), worldIds(channel.history))
    assertSameAsWorld(emu, channel, userId, read)
  })

  test('pages around a message id go older with offset and newer with reverse, as Telegram pages', async () => {
    const channel = emu.world.channels[0]
    const ids = worldIds(channel.history)
    const middle = ids[Math.floor(ids.length / 2)]
    const at = ids.indexOf(middle)

    const older = await tg.getHistory(channel.username!, { offset: { id: middle, date: 0 }, limit: 25 })
    assert.deepEqual(older.map((m) => m.id), ids.slice(at - 25, at).reverse(), 'offset_id excludes itself and goes older')
    assert.equal(older.total, ids.length)
    const next = await tg.getHistory(channel.username!, { offset: older.next, limit: 25 })
    assert.deepEqual(next.map((m) => m.id), ids.slice(at - 50, at - 25).reverse(), 'the next page continues where the first ended')

    const newer = await tg.getHistory(channel.username!, { offset: { id: middle, date: 0 }, reverse: true, limit: 25 })
    assert.deepEqual(newer.map((m) => m.id), ids.slice(at, at + 25), 'reverse starts at the offset, inclusive, and goes newer')
    const newer2 = await tg.getHistory(channel.username!, { offset: newer.next, reverse: true, limit: 25 })
    assert.deepEqual(newer2.map((m) => m.id), ids.slice(at + 25, at + 50))

    const around = await tg.getHistory(channel.username!, { offset: { id: middle, date: 0 }, addOffset: -10, limit: 20 })
    assert.deepEqual(around.map((m) => m.id), ids.slice(at - 10, at + 10).reverse(), 'add_offset -10 centres the page on the offset')

    assertSameAsWorld(emu, channel, userId, [...older, ...next, ...newer, ...newer2, ...around])
  })

  test('a FLOOD_WAIT_1 on getHistory is waited out by mtcute and the call succeeds on its retry', async () => {
    const channel = emu.world.channels[0]
    emu.faults.floodWait('messages.getHistory', 1, { times: 1 })
    const calls = emu.faults.counters.get('messages.getHistory')
    const started = performance.now()
    const page = await tg.getHistory(channel.username!, { limit: 10 })
    const waited = performance.now() - started

    assert.deepEqual(page.map((m) => m.id), worldIds(channel.history).slice(-10).reverse())
    assertSameAsWorld(emu, channel, userId, page)
    assert.equal(emu.faults.counters.get('messages.getHistory') - calls, 2, 'the refused call, then the retry')
    assert.ok(waited >= 990, `mtcute waited the flood wait out (${Math.round(waited)} ms)`)
  })

  test('a connection dropped under getHistory is survived: mtcute reconnects and the same call completes', async () => {
    const channel = emu.world.channels[2]
    const connections = (): number => serverLog.filter((line) => line.endsWith('transport intermediate')).length
    const before = connections()
    emu.faults.dropConnection('messages.getHistory', { times: 1 })
    const calls = emu.faults.counters.get('messages.getHistory')

    const page = await tg.getHistory(channel.username!, { limit: 30 })

    assert.deepEqual(page.map((m) => m.id), worldIds(channel.history).slice(-30).reverse())
    assertSameAsWorld(emu, channel, userId, page)
    assert.equal(emu.faults.counters.get('messages.getHistory') - calls, 2, 'the dropped call, then the resent one')
    assert.ok(connections() > before, 'mtcute opened a new connection')
    // The session goes on working after the reconnect.
    assert.equal((await tg.getMe()).id, userId)
  })
})

describe('mtcute against an emulator whose clock moves past the code lifetime', () => {
  let skewMs = 0
  let emu: Emulator

  before(async () => {
    emu = await emulatorWith({ clock: () => Date.now() + skewMs })
  })
  after(() => emu.stop())

  test('a code used after its lifetime is refused with PHONE_CODE_EXPIRED, and a new code signs in', async () => {
    const phone = '+15550005555'
    const tg = mtcuteClientFor(emu)
    try {
      const sent = await tg.sendCode({ phone })
      assert.ok('phoneCodeHash' in sent)
      const code = emu.lastCode(phone)!
      // The DC's clock jumps past the lifetime; mtcute meets its msg_ids "too low" and
      // resynchronises its time offset through bad_msg_notification before the call lands.
      skewMs += CODE_TTL_MS + 1_000
      await assert.rejects(tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: code }), rpcError(400, 'PHONE_CODE_EXPIRED'))

      const again = await tg.sendCode({ phone })
      assert.ok('phoneCodeHash' in again)
      const me = await tg.signIn({ phone, phoneCodeHash: again.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
      assert.equal(me.phoneNumber, '15550005555')
    } finally {
      await tg.destroy()
    }
  })
})
