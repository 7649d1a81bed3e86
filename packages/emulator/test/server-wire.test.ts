import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { deflateSync, gzipSync } from 'node:zlib'
import { FROM_CLIENT } from '../src/crypto/message-key.ts'
import { seededRandom } from '../src/crypto/random-source.ts'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { AuthKeyStore, type AuthKeyRecord } from '../src/mtproto/auth-key-store.ts'
import { encryptMessage, type MessageEnvelope } from '../src/mtproto/encrypted-message.ts'
import { packContainer } from '../src/mtproto/msg-container.ts'
import type { RpcCall } from '../src/mtproto/rpc-dispatcher.ts'
import { DropConnectionSignal, RpcError } from '../src/rpc/rpc-error.ts'
import { EmulatorServer } from '../src/server.ts'
import { apiSchema, mtpSchema } from '../src/tl/schemas.ts'
import { decodeObject, encodeObject } from '../src/tl/tl-codec.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { TlReader } from '../src/tl/tl-reader.ts'
import { TlWriter } from '../src/tl/tl-writer.ts'
import type { TransportKind } from '../src/transport/frame-codec.ts'
import { readTransportError } from '../src/transport/transport-error.ts'
import { WireTestClient } from './wire-test-client.ts'

const RPC_RESULT = 0xf35c6d01
const api = apiSchema(227)!
const mtp = mtpSchema()

let server: EmulatorServer
let port: number
let record: AuthKeyRecord
const authKeys = new AuthKeyStore()
const calls: RpcCall[] = []

before(async () => {
  const keyBytes = seededRandom('wire-auth-key')(256)
  keyBytes[0] = 0x42
  record = authKeys.add(keyBytes, 1_700_000_000)
  server = new EmulatorServer({
    rsaKey: generateRsaServerKey(),
    authKeys,
    dcId: 2,
    random: seededRandom('wire-server'),
    dispatcher: {
      async dispatch(call) {
        calls.push(call)
        switch (call.method._) {
          case 'help.getNearestDc':
            return { _: 'nearestDc', country: 'NL', this_dc: 2, nearest_dc: 2 }
          case 'help.getAppConfig':
            throw new Error('handler bug')
          case 'help.getSupport':
            throw new DropConnectionSignal()
          default:
            throw new RpcError(400, 'METHOD_NOT_IMPLEMENTED')
        }
      },
    },
  })
  port = (await server.listen()).port
})
after(() => server.close())

const ping = (pingId: bigint) => encodeObject(mtp, { _: 'ping', ping_id: pingId })
const nearestDc = (layer = 227) =>
  encodeObject(apiSchema(layer)!, { _: 'invokeWithLayer', layer, query: { _: 'help.getNearestDc' } })

function service(envelope: MessageEnvelope): TlObject {
  return decodeObject(mtp, envelope.body)
}

/** rpc_result#f35c6d01 req_msg_id:long result:Object, its result decoded with `schema`. */
function rpcResult(envelope: MessageEnvelope, schema = api): { reqMsgId: bigint; result: TlObject } {
  const r = new TlReader(envelope.body)
  assert.equal(r.uint(), RPC_RESULT, 'expected rpc_result')
  const reqMsgId = r.long()
  return { reqMsgId, result: decodeObject(schema, envelope.body.subarray(12)) }
}

/** Connects with the stored key, learns the salt from bad_server_salt and sees new_session_created. */
async function openSession(kind: TransportKind, seed: string = kind): Promise<WireTestClient> {
  const client = await WireTestClient.connect(port, kind, record.key, seed)
  const firstId = client.send(ping(1n))
  const bad = await client.next()
  const badSalt = service(bad)
  assert.equal(badSalt._, 'bad_server_salt')
  assert.equal(badSalt.bad_msg_id, firstId)
  assert.equal(badSalt.error_code, 48)
  assert.equal(bad.seqNo % 2, 0, 'bad_server_salt is not content-related')
  client.salt = badSalt.new_server_salt as bigint
  const secondId = client.send(ping(2n))
  const created = await client.next()
  assert.equal(service(created)._, 'new_session_created')
  assert.equal(service(created).first_msg_id, secondId)
  assert.equal(created.msgId % 4n, 3n, 'server-initiated msg_id ≡ 3 mod 4')
  const pong = await client.next()
  assert.deepEqual(service(pong), { _: 'pong', msg_id: secondId, ping_id: 2n })
  return client
}

describe('EmulatorServer on the wire', () => {
  for (const kind of ['intermediate', 'abridged', 'full', 'padded-intermediate'] as const) {
    test(`ping gets pong over the ${kind} transport`, async () => {
      const client = await openSession(kind)
      try {
        const msgId = client.send(ping(77n))
        const pong = await client.next()
        assert.deepEqual(service(pong), { _: 'pong', msg_id: msgId, ping_id: 77n })
        assert.equal(pong.msgId % 4n, 1n, 'response msg_id ≡ 1 mod 4')
        assert.equal(pong.seqNo % 2, 1, 'pong is content-related')
        assert.equal(pong.sessionId, client.sessionId)
      } finally {
        client.close()
      }
    })
  }

  test('an unknown auth key gets transport error -404 and the connection closes', async () => {
    const client = await WireTestClient.connect(port, 'intermediate', seededRandom('stranger')(256))
    client.send(ping(1n))
    const frame = await client.nextFrame()
    assert.equal(readTransportError(frame!), -404)
    await client.closed
  })

  test('a message whose msg_key does not match gets -404', async () => {
    const client = await WireTestClient.connect(port, 'intermediate', record.key)
    const forged = Buffer.alloc(8 + 16 + 64, 7)
    forged.writeBigInt64LE(record.id, 0)
    client.sendRaw(forged)
    assert.equal(readTransportError((await client.nextFrame())!), -404)
    await client.closed
  })

  test('an obfuscated-transport header is refused by closing the connection', async () => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.write(seededRandom('obfuscated')(64))
    await new Promise((resolve) => socket.on('close', resolve))
    // Closed by the server with nothing written back: no reply frame, no transport error code.
    assert.equal(Buffer.concat(received).length, 0)
  })

  test('rotateSalts makes the next message get bad_server_salt', async () => {
    const client = await openSession('intermediate', 'rotate')
    try {
      server.rotateSalts()
      const id = client.send(ping(5n))
      const bad = service(await client.next())
      assert.equal(bad._, 'bad_server_salt')
      assert.equal(bad.bad_msg_id, id)
      assert.notEqual(bad.new_server_salt, client.salt)
      client.salt = bad.new_server_salt as bigint
      client.send(ping(6n))
      assert.equal(service(await client.next()).ping_id, 6n)
    } finally {
      client.close()
    }
  })

  test('a msg_id with the wrong low bits gets bad_msg_notification 18', async () => {
    const client = await openSession('intermediate', 'low-bits')
    try {
      const body = ping(9n)
      const odd = client.send(body) + 1n
      assert.equal(service(await client.next()).ping_id, 9n)
      const envelope = { salt: client.salt, sessionId: client.sessionId, msgId: odd, seqNo: 9, body }
      client.sendRaw(encryptMessage(record.key, record.id, envelope, FROM_CLIENT, seededRandom('low-bits')))
      const notice = service(await client.next())
      assert.equal(notice._, 'bad_msg_notification')
      assert.equal(notice.bad_msg_id, odd)
      assert.equal(notice.error_code, 18)
    } finally {
      client.close()
    }
  })

  test('get_future_salts answers future_salts starting with the current salt', async () => {
    const client = await openSession('intermediate', 'salts')
    try {
      const id = client.send(encodeObject(mtp, { _: 'get_future_salts', num: 3 }))
      const reply = await client.next()
      // future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> (bare vector)
      const r = new TlReader(reply.body)
      assert.equal(r.uint(), 0xae500895)
      assert.equal(r.long(), id)
      const now = r.int()
      assert.ok(Math.abs(now - Date.now() / 1000) < 5)
      assert.equal(r.int(), 3)
      const salts = [0, 1, 2].map(() => ({ since: r.int(), until: r.int(), salt: r.long() }))
      assert.equal(salts[0]!.salt, client.salt)
      assert.equal(salts[1]!.since, salts[0]!.until)
      assert.equal(r.remaining(), 0)
      client.salt = salts[1]!.salt
      client.send(ping(3n))
      assert.equal(service(await client.next()).ping_id, 3n, 'a handed-out future salt is accepted')
    } finally {
      client.close()
    }
  })

  test('msgs_state_req reports received and unknown messages', async () => {
    const client = await openSession('intermediate', 'state')
    try {
      const seen = client.send(ping(4n))
      await client.next()
      const unknown = seen - 1n // between the two received ids, never sent
      const id = client.send(encodeObject(mtp, { _: 'msgs_state_req', msg_ids: [seen, unknown, seen + (1000n << 32n)] }), false)
      const info = service(await client.next())
      assert.equal(info._, 'msgs_state_info')
      assert.equal(info.req_msg_id, id)
      assert.deepEqual([...(info.info as Buffer)], [4, 2, 3])
    } finally {
      client.close()
    }
  })

  test('queries in a msg_container, gzip_packed and zlib-packed are each answered', async () => {
    const client = await openSession('intermediate', 'container')
    try {
      const query = nearestDc()
      const packed = (data: Buffer) => new TlWriter().uint(0x3072cfa1).bytes(data).finish()
      const clock = BigInt(Math.floor(Date.now() / 1000)) << 32n
      const items = [query, packed(gzipSync(query)), packed(deflateSync(query))].map((body, i) => ({
        msgId: clock + BigInt(i + 1) * 4n,
        seqNo: i * 2 + 1,
        body,
      }))
      client.send(packContainer(items), false)
      const answered = new Set<bigint>()
      for (let i = 0; i < 3; i++) {
        const { reqMsgId, result } = rpcResult(await client.next())
        assert.equal(result._, 'nearestDc')
        answered.add(reqMsgId)
      }
      assert.deepEqual([...answered].sort(), items.map((m) => m.msgId))
    } finally {
      client.close()
    }
  })

  test('invokeWithLayer with a layer the emulator has no schema for gets 400 CONNECTION_LAYER_INVALID', async () => {
    const client = await openSession('intermediate', 'layer-invalid')
    try {
      const body = new TlWriter().uint(0xda9b0d0d).int(999).raw(encodeObject(api, { _: 'help.getNearestDc' })).finish()
      const id = client.send(body)
      const { reqMsgId, result } = rpcResult(await client.next(), mtp)
      assert.equal(reqMsgId, id)
      assert.deepEqual(result, { _: 'rpc_error', error_code: 400, error_message: 'CONNECTION_LAYER_INVALID' })
    } finally {
      client.close()
    }
  })

  test('a layer-198 query is decoded and answered in layer 198, and the layer is remembered per auth key', async () => {
    const client = await openSession('full', 'layer-198')
    try {
      client.send(nearestDc(198))
      const { result } = rpcResult(await client.next(), apiSchema(198)!)
      assert.equal(result._, 'nearestDc')
      assert.equal(calls.at(-1)!.layer, 198)
      assert.equal(authKeys.get(record.id)!.layer, 198)
      // An unwrapped follow-up is decoded in the remembered layer.
      client.send(encodeObject(apiSchema(198)!, { _: 'help.getNearestDc' }))
      rpcResult(await client.next(), apiSchema(198)!)
      assert.equal(calls.at(-1)!.layer, 198)
    } finally {
      client.send(nearestDc(227))
      await client.next()
      client.close()
    }
  })

  test('a dispatcher failure other than RpcError becomes 500 INTERNAL', async () => {
    const client = await openSession('intermediate', 'internal')
    try {
      client.send(encodeObject(api, { _: 'help.getAppConfig', hash: 0 }))
      const { result } = rpcResult(await client.next(), mtp)
      assert.deepEqual(result, { _: 'rpc_error', error_code: 500, error_message: 'INTERNAL' })
    } finally {
      client.close()
    }
  })

  test('DropConnectionSignal closes the connection without an answer', async () => {
    const client = await openSession('intermediate', 'drop')
    client.send(encodeObject(api, { _: 'help.getSupport' }))
    assert.equal(await client.nextFrame(), undefined)
    await client.closed
  })

  test('pushUpdates delivers an Updates object as a server message to connected sessions that made a query', async () => {
    const client = await openSession('intermediate', 'push')
    try {
      client.send(nearestDc())
      rpcResult(await client.next())
      assert.ok(server.pushUpdates(record.id, { _: 'updatesTooLong' }) >= 1)
      const pushed = await client.next()
      assert.deepEqual(decodeObject(api, pushed.body), { _: 'updatesTooLong' })
      assert.equal(pushed.msgId % 4n, 3n)
      assert.equal(pushed.seqNo % 2, 1)
    } finally {
      client.close()
    }
  })

  test('the server counts its open connections', async () => {
    const client = await openSession('abridged', 'count')
    assert.ok(server.connections >= 1)
    client.close()
    await client.closed
  })
})
