import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { authKeyIdOf } from '../src/crypto/auth-key-id.ts'
import { FROM_CLIENT, TO_CLIENT } from '../src/crypto/message-key.ts'
import { seededRandom } from '../src/crypto/random-source.ts'
import { AuthKeyStore } from '../src/mtproto/auth-key-store.ts'
import { decryptMessage, encryptMessage } from '../src/mtproto/encrypted-message.ts'
import { peekInvokeLayer, unwrapQuery } from '../src/mtproto/invoke-wrappers.ts'
import { MessageIdClock, msgIdSeconds } from '../src/mtproto/message-id-clock.ts'
import { packContainer, unpackContainer } from '../src/mtproto/msg-container.ts'
import { MtprotoError } from '../src/mtproto/mtproto-error.ts'
import { decodePlainMessage, encodePlainMessage } from '../src/mtproto/plain-message.ts'
import { SALT_PERIOD_SECONDS, ServerSalts } from '../src/mtproto/server-salts.ts'
import { Session } from '../src/mtproto/session.ts'
import { apiSchema } from '../src/tl/schemas.ts'
import { encodeObject } from '../src/tl/tl-codec.ts'
import { TlWriter } from '../src/tl/tl-writer.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const authKey = seededRandom('auth-key')(256)
const authKeyId = authKeyIdOf(authKey)
const envelope = { salt: 0x1122334455667788n, sessionId: -5n, msgId: 0x6553f10000000004n, seqNo: 3, body: hex('ec77be7a 0100000000000000') }

describe('encrypted messages', () => {
  test('a message encrypted by the client decrypts on the server to the same envelope', () => {
    const payload = encryptMessage(authKey, authKeyId, envelope, FROM_CLIENT, seededRandom('pad'))
    assert.equal(payload.readBigInt64LE(0), authKeyId)
    assert.equal((payload.length - 24) % 16, 0)
    const result = decryptMessage(authKey, payload, FROM_CLIENT)
    assert.ok(result.ok)
    assert.deepEqual(result.envelope, envelope)
  })
  test('padding keeps 12 to 1024 bytes after the body', () => {
    for (let i = 0; i < 8; i++) {
      const body = Buffer.alloc(4 * i)
      const payload = encryptMessage(authKey, authKeyId, { ...envelope, body }, TO_CLIENT, seededRandom(`p${i}`))
      const padding = payload.length - 24 - 32 - body.length
      assert.ok(padding >= 12 && padding <= 1024, `padding ${padding}`)
    }
  })
  test('a message for the other direction fails the msg_key check', () => {
    const payload = encryptMessage(authKey, authKeyId, envelope, TO_CLIENT, seededRandom('pad'))
    assert.deepEqual(decryptMessage(authKey, payload, FROM_CLIENT), { ok: false, reason: 'msg_key' })
  })
  test('a flipped ciphertext bit fails the msg_key check', () => {
    const payload = encryptMessage(authKey, authKeyId, envelope, FROM_CLIENT, seededRandom('pad'))
    payload[40] ^= 0x80
    assert.deepEqual(decryptMessage(authKey, payload, FROM_CLIENT), { ok: false, reason: 'msg_key' })
  })
  test('trailing transport padding after the last block is ignored', () => {
    const payload = encryptMessage(authKey, authKeyId, envelope, FROM_CLIENT, seededRandom('pad'))
    const result = decryptMessage(authKey, Buffer.concat([payload, hex('0102030405')]), FROM_CLIENT)
    assert.ok(result.ok)
  })
})

describe('plain messages', () => {
  test('encode auth_key_id 0 | msg_id | length | body and decode back', () => {
    const encoded = encodePlainMessage(0x51e57ac42770964an, hex('f18e7ebe'))
    assert.deepEqual(encoded, hex('0000000000000000 4a967027c47ae551 04000000 f18e7ebe'))
    assert.deepEqual(decodePlainMessage(Buffer.concat([encoded, hex('00ff')])), { msgId: 0x51e57ac42770964an, body: hex('f18e7ebe') })
  })
  test('reject a length beyond the payload', () => {
    assert.throws(() => decodePlainMessage(hex('0000000000000000 0000000000000000 08000000 f18e7ebe')), MtprotoError)
  })
})

describe('MessageIdClock', () => {
  test('issues strictly increasing ids with the low bits of their kind', () => {
    let now = 1_700_000_000_123
    const clock = new MessageIdClock(() => now)
    const ids = [clock.next('response'), clock.next('server'), clock.next('response'), clock.next('client')]
    assert.deepEqual(ids.map((id) => id % 4n), [1n, 3n, 1n, 0n])
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!)
    assert.equal(msgIdSeconds(ids[0]!), 1_700_000_000)
    now -= 5000 // a clock stepping back never makes ids go back
    assert.ok(clock.next('response') > ids[3]!)
  })
})

describe('ServerSalts', () => {
  let now = 1_000_000
  const salts = new ServerSalts(seededRandom('salts'), () => now)
  test('accepts the seeded first salt and nothing else', () => {
    salts.seed(1n, 42n)
    assert.equal(salts.accepts(1n, 42n), true)
    assert.equal(salts.accepts(1n, 43n), false)
    assert.equal(salts.current(1n), 42n)
  })
  test('hands out consecutive future salts, each of which is accepted', () => {
    const upcoming = salts.upcoming(1n, 3)
    assert.equal(upcoming[0]!.salt, 42n)
    assert.equal(upcoming[1]!.validSince, upcoming[0]!.validUntil)
    assert.equal(upcoming[2]!.validUntil - upcoming[2]!.validSince, SALT_PERIOD_SECONDS)
    assert.equal(salts.accepts(1n, upcoming[2]!.salt), true)
  })
  test('an expired salt is no longer accepted and the next one becomes current', () => {
    const [, second] = salts.upcoming(1n, 2)
    now += SALT_PERIOD_SECONDS
    assert.equal(salts.accepts(1n, 42n), false)
    assert.equal(salts.current(1n), second!.salt)
  })
  test('a key with no salt (restored after restart) accepts none until told one', () => {
    assert.equal(salts.accepts(2n, 0n), false)
    const current = salts.current(2n)
    assert.equal(salts.accepts(2n, current), true)
  })
  test('rotate invalidates every salt', () => {
    const before = salts.current(2n)
    salts.rotate()
    assert.equal(salts.accepts(2n, before), false)
    assert.notEqual(salts.current(2n), before)
  })
})

describe('msg_container', () => {
  test('packs and unpacks messages with their ids and seqnos', () => {
    const items = [
      { msgId: 8n, seqNo: 1, body: hex('01020304') },
      { msgId: 12n, seqNo: 2, body: hex('0506070809000a0b') },
    ]
    const packed = packContainer(items)
    assert.deepEqual(packed.subarray(0, 8), hex('dcf8f173 02000000'))
    assert.deepEqual(unpackContainer(packed), items)
  })
  test('rejects an item that runs past the container', () => {
    const packed = packContainer([{ msgId: 8n, seqNo: 1, body: hex('01020304') }])
    assert.throws(() => unpackContainer(packed.subarray(0, packed.length - 4)), MtprotoError)
  })
})

describe('invoke wrappers', () => {
  const api = apiSchema(227)!
  const wrapped = {
    _: 'invokeAfterMsg',
    msg_id: 40n,
    query: {
      _: 'invokeWithLayer',
      layer: 198,
      query: { _: 'initConnection', api_id: 1, device_model: 'd', query: { _: 'invokeWithoutUpdates', query: { _: 'help.getNearestDc' } } },
    },
  }
  test('unwrapQuery peels every wrapper and reports what they said', () => {
    const out = unwrapQuery(wrapped)
    assert.deepEqual(out.method, { _: 'help.getNearestDc' })
    assert.equal(out.layer, 198)
    assert.equal(out.initConnection?.api_id, 1)
    assert.deepEqual(out.afterMsgIds, [40n])
    assert.equal(out.withoutUpdates, true)
  })
  test('peekInvokeLayer finds the layer through invokeAfterMsg(s) before decoding', () => {
    assert.equal(peekInvokeLayer(encodeObject(api, wrapped)), 198)
    const afterMsgs = new TlWriter().uint(0x3dc4b4f0).uint(0x1cb5c415).uint(2).long(1n).long(2n)
    afterMsgs.uint(0xda9b0d0d).int(227).raw(encodeObject(api, { _: 'help.getConfig' }))
    assert.equal(peekInvokeLayer(afterMsgs.finish()), 227)
    assert.equal(peekInvokeLayer(encodeObject(api, { _: 'help.getConfig' })), undefined)
  })
})

describe('Session', () => {
  test('numbers content-related messages odd and others even', () => {
    const session = new Session(1n, 2n, 3n)
    assert.deepEqual([session.nextSeqNo(true), session.nextSeqNo(false), session.nextSeqNo(true), session.nextSeqNo(false)], [1, 2, 3, 4])
  })
  test('recognises a duplicate msg_id', () => {
    const session = new Session(1n, 2n, 3n)
    assert.equal(session.markReceived(100n), true)
    assert.equal(session.markReceived(100n), false)
  })
})

describe('AuthKeyStore', () => {
  test('round-trips through toJSON and restore, keeping the layer', () => {
    const store = new AuthKeyStore()
    const record = store.add(authKey, 1_700_000_000)
    store.setLayer(record.id, 198)
    const restored = AuthKeyStore.restore(JSON.parse(JSON.stringify(store.toJSON())))
    assert.equal(restored.size, 1)
    assert.deepEqual(restored.get(authKeyId)?.key, authKey)
    assert.equal(restored.get(authKeyId)?.layer, 198)
    assert.equal(restored.get(authKeyId)?.createdAt, 1_700_000_000)
  })
  test('notifies listeners on every change', () => {
    const store = new AuthKeyStore()
    let changes = 0
    store.onChange(() => changes++)
    const { id } = store.add(authKey, 1)
    store.setLayer(id, 227)
    store.setLayer(id, 227)
    store.delete(id)
    assert.equal(changes, 3)
  })
  test('refuses a persisted key whose id does not match', () => {
    const json = new AuthKeyStore().toJSON()
    json.keys.push({ id: '1', key: authKey.toString('base64'), createdAt: 0 })
    assert.throws(() => AuthKeyStore.restore(json), /does not match/)
  })
})
