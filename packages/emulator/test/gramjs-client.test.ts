/**
 * Acceptance: gramjs (telegram@2.26.22, layer 198, full transport) as a second, independent
 * client. It signs in with its own high-level `start` and reads a channel's history with
 * `iterMessages`; every message must equal the world's, field by field, although the
 * emulator answers it in layer 198 rather than mtcute's 227.
 */
import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { createRequire } from 'node:module'
import { after, before, describe, test } from 'node:test'
import { rsaFingerprint } from '../src/crypto/rsa-server-key.ts'
import { startEmulator, type Emulator } from '../src/emulator.ts'
import { worldMessage, worldView, type MessageView } from './helpers/message-view.ts'

// gramjs is CommonJS; its key table lives in the module instance `require` loads.
const require = createRequire(import.meta.url)
const { TelegramClient } = require('telegram')
const { StringSession } = require('telegram/sessions')
const { PromisedNetSockets } = require('telegram/extensions')
const { Logger } = require('telegram/extensions/Logger')
const { _serverKeys } = require('telegram/crypto/RSA')
const bigInt = require('big-integer')

// gramjs's typings are CommonJS declarations that `require` from ESM does not carry.
type GramClient = any
type GramMessage = any

/** Adds the DC's key to gramjs's table, keyed by its fingerprint as a signed decimal string. */
function trustServerKey(publicKeyPem: string): void {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' })
  const n = BigInt(`0x${Buffer.from(jwk.n!, 'base64url').toString('hex')}`)
  const e = BigInt(`0x${Buffer.from(jwk.e!, 'base64url').toString('hex')}`)
  _serverKeys.set(BigInt.asIntN(64, rsaFingerprint(n, e)).toString(), { n: bigInt(n.toString()), e: Number(e) })
}

/**
 * gramjs dials port 80 whatever its session says, and stores the port as an int16: the session
 * names port 443 and the socket goes to the emulator's port instead.
 */
function gramClient(emu: Emulator): GramClient {
  class EmulatorSocket extends PromisedNetSockets {
    connect(_port: number, ip: string) {
      return super.connect(emu.port, ip)
    }
  }
  const session = new StringSession('')
  session.setDC(emu.dcId, emu.host, 443)
  return new TelegramClient(session, 1, 'emulator', {
    networkSocket: EmulatorSocket,
    connectionRetries: 1,
    useWSS: false,
    baseLogger: new Logger('none'),
  })
}

async function signIn(client: GramClient, emu: Emulator, phone: string, password?: string): Promise<void> {
  await client.start({
    phoneNumber: phone,
    phoneCode: async () => emu.lastCode(phone),
    password: async () => password ?? '',
    onError: (error: unknown) => {
      throw error
    },
  })
}


/** gramjs names constructors in PascalCase (`MessageEntityBold`); TL names start lower-case. */
function tlName(object: GramMessage): string | undefined {
  if (object === undefined || object === null) return undefined
  const name = object.className as string
  return name[0].toLowerCase() + name.slice(1)
}

function orUndefined<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined
}

function gramView(m: GramMessage): MessageView {
  const service = m.className === 'MessageService'
  return {
    _: tlName(m)!,
    id: m.id,
    date: m.date,
    message: service ? undefined : m.message,
    views: orUndefined(m.views),
    forwards: orUndefined(m.forwards),
    postAuthor: orUndefined(m.postAuthor),
    groupedId: m.groupedId ? m.groupedId.toString() : undefined,
    entities: m.entities?.map((e: GramMessage) => ({
      _: tlName(e)!,
      offset: e.offset,
      length: e.length,
      ...(e.url !== undefined ? { url: e.url } : {}),
    })),
    fromUserId: m.fromId ? m.fromId.userId.toString() : undefined,
    replies: orUndefined(m.replies?.replies),
    editDate: orUndefined(m.editDate),
    replyToMsgId: orUndefined(m.replyTo?.replyToMsgId),
    media: tlName(m.media),
    action: tlName(m.action),
  }
}


describe('gramjs 2.26.22 (layer 198, full transport) against the emulator', () => {
  let emu: Emulator
  let client: GramClient
  let userId: number

  before(async () => {
    emu = await startEmulator({
      world: { seed: 11, channels: 3, messagesPerChannel: 260, spanSeconds: 4 * 86400, now: 1_751_000_000 },
    })
    trustServerKey(emu.publicKeyPem)
  })
  after(async () => {
    await client?.destroy()
    await emu.stop()
  })

  test('gramjs signs in with the code the emulator sent, and its key remembers layer 198', async () => {
    client = gramClient(emu)
    await signIn(client, emu, '+15550007777')
    const me = await client.getMe()
    userId = Number(me.id)
    assert.equal(me.self, true)
    assert.equal(me.phone, '15550007777')

    const { keys } = emu.dc(emu.dcId).authKeys.toJSON()
    assert.equal(keys.length, 1)
    assert.equal(keys[0].layer, 198)
    assert.equal(emu.accounts.userIdFor(BigInt(keys[0].id)), userId)
    assert.equal(emu.faults.counters.get('auth.signIn'), 1)
  })

  test("gramjs reads a channel's whole history, newest first, equal to the world field by field", async () => {
    for (const channel of emu.world.channels.slice(0, 2)) {
      const read: GramMessage[] = []
      for await (const m of client.iterMessages(channel.username, {})) read.push(m)
      assert.deepEqual(read.map((m) => m.id), Array.from(channel.history.ids).reverse(), channel.username)
      for (const m of read) assert.deepEqual(gramView(m), worldView(worldMessage(emu, channel.history, userId, m.id)), `message ${m.id}`)
    }
    const views = emu.world.channels
      .slice(0, 2)
      .flatMap((channel) => Array.from(channel.history.ids, (id) => worldView(worldMessage(emu, channel.history, userId, id))))
    for (const field of ['views', 'postAuthor', 'groupedId', 'entities', 'fromUserId', 'replies', 'editDate', 'replyToMsgId', 'action'] as const) {
      assert.ok(views.some((v) => v[field] !== undefined), `some compared message has ${field}`)
    }
  })

  test('gramjs pages a history oldest first with reverse, in ascending order', async () => {
    const channel = emu.world.channels[2]
    const read: GramMessage[] = []
    for await (const m of client.iterMessages(channel.username, { reverse: true })) read.push(m)
    assert.deepEqual(read.map((m) => m.id), Array.from(channel.history.ids))
    for (const m of read) assert.deepEqual(gramView(m), worldView(worldMessage(emu, channel.history, userId, m.id)), `message ${m.id}`)
  })

  test('gramjs completes two-step verification through SRP', async () => {
    const phone = '+15550008888'
    emu.setTwoFactorPassword(phone, 'gram secret')
    const other = gramClient(emu)
    try {
      await signIn(other, emu, phone, 'gram secret')
      const me = await other.getMe()
      assert.equal(me.phone, '15550008888')
      assert.equal(emu.faults.counters.get('auth.checkPassword'), 1)
    } finally {
      await other.destroy()
    }
  })
})
