import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { MemoryStorage, PaddedIntermediatePacketCodec } from '@mtcute/core'
import { TcpTransport, TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { AuthKeyStore } from '../src/mtproto/auth-key-store.ts'
import type { RpcCall, RpcDispatcher } from '../src/mtproto/rpc-dispatcher.ts'
import { RpcError } from '../src/rpc/rpc-error.ts'
import { EmulatorServer } from '../src/server.ts'

const DC_ID = 2
const rsaKey = generateRsaServerKey()
addPublicKey(new NodeCryptoProvider(), rsaKey.publicKeyPem)

/** Answers the two calls a client needs to start; everything else is not implemented. */
function tinyDispatcher(calls: RpcCall[], port: () => number): RpcDispatcher {
  return {
    async dispatch(call) {
      calls.push(call)
      switch (call.method._) {
        case 'help.getNearestDc':
          return { _: 'nearestDc', country: 'NL', this_dc: DC_ID, nearest_dc: DC_ID }
        case 'help.getConfig':
          return {
            _: 'config',
            date: 1_700_000_000,
            expires: 1_700_003_600,
            this_dc: DC_ID,
            dc_options: [{ _: 'dcOption', id: DC_ID, ip_address: '127.0.0.1', port: port() }],
          }
        default:
          throw new RpcError(400, 'METHOD_NOT_IMPLEMENTED')
      }
    },
  }
}

interface Emulator {
  server: EmulatorServer
  authKeys: AuthKeyStore
  calls: RpcCall[]
  log: string[]
  port: number
}

async function startEmulator(authKeys = new AuthKeyStore(), port = 0): Promise<Emulator> {
  const calls: RpcCall[] = []
  const log: string[] = []
  let bound = port
  const server = new EmulatorServer({
    rsaKey,
    authKeys,
    dcId: DC_ID,
    port,
    dispatcher: tinyDispatcher(calls, () => bound),
    log: (line) => log.push(line),
  })
  bound = (await server.listen()).port
  return { server, authKeys, calls, log, port: bound }
}

function mtcuteClient(port: number, transport?: () => TcpTransport): TelegramClient {
  return new TelegramClient({
    apiId: 1,
    apiHash: 'x',
    storage: new MemoryStorage(),
    logLevel: 0,
    defaultDcs: {
      main: { id: DC_ID, ipAddress: '127.0.0.1', port },
      media: { id: DC_ID, ipAddress: '127.0.0.1', port, mediaOnly: true },
    },
    ...(transport ? { transport: transport() } : {}),
  })
}

class PaddedTcpTransport extends TcpTransport {
  override packetCodec(): PaddedIntermediatePacketCodec {
    return new PaddedIntermediatePacketCodec()
  }
}

describe('EmulatorServer with the mtcute client', () => {
  let emu: Emulator
  let exported: string

  before(async () => {
    emu = await startEmulator()
  })
  after(async () => {
    await emu.server.close()
  })

  test('mtcute creates an auth key over TCP and gets help.getNearestDc answered', async () => {
    const tg = mtcuteClient(emu.port)
    try {
      await tg.connect()
      const result = await tg.call({ _: 'help.getNearestDc' })
      assert.equal(result._, 'nearestDc')
      assert.equal(result.thisDc, DC_ID)
      assert.equal(result.country, 'NL')
      assert.equal(emu.authKeys.size, 1)
      assert.ok(emu.log.some((line) => line.endsWith('transport intermediate')))
      const [keyId] = emu.authKeys.ids()
      const call = emu.calls.find((c) => c.method._ === 'help.getNearestDc')!
      assert.equal(call.authKeyId, keyId)
      assert.equal(call.layer, 227)
      assert.equal(emu.authKeys.get(keyId!)!.layer, 227, 'the layer from invokeWithLayer is remembered per auth key')
      exported = await tg.exportSession()
    } finally {
      await tg.destroy()
    }
  })

  test('help.getConfig answers in the client layer and an RpcError reaches mtcute as rpc_error', async () => {
    const tg = mtcuteClient(emu.port)
    try {
      await tg.importSession(exported)
      const config = await tg.call({ _: 'help.getConfig' })
      assert.equal(config.thisDc, DC_ID)
      assert.deepEqual(
        config.dcOptions.map((o) => [o.id, o.ipAddress, o.port]),
        [[DC_ID, '127.0.0.1', emu.port]],
      )
      await assert.rejects(tg.call({ _: 'help.getAppConfig', hash: 0 }), (err: { code?: number; text?: string }) => {
        assert.equal(err.code, 400)
        assert.equal(err.text, 'METHOD_NOT_IMPLEMENTED')
        return true
      })
    } finally {
      await tg.destroy()
    }
  })

  test('an imported session calls again with its auth key and no new key exchange', async () => {
    const before = emu.authKeys.size
    const tg = mtcuteClient(emu.port)
    try {
      await tg.importSession(exported)
      const result = await tg.call({ _: 'help.getNearestDc' })
      assert.equal(result.thisDc, DC_ID)
      assert.equal(emu.authKeys.size, before)
    } finally {
      await tg.destroy()
    }
  })

  test('after salt rotation mtcute recovers through bad_server_salt', async () => {
    const tg = mtcuteClient(emu.port)
    try {
      await tg.importSession(exported)
      await tg.call({ _: 'help.getNearestDc' })
      emu.server.rotateSalts()
      const result = await tg.call({ _: 'help.getNearestDc' })
      assert.equal(result.thisDc, DC_ID)
    } finally {
      await tg.destroy()
    }
  })

  test('mtcute works over the padded intermediate transport', async () => {
    const tg = mtcuteClient(emu.port, () => new PaddedTcpTransport())
    try {
      await tg.importSession(exported)
      const result = await tg.call({ _: 'help.getNearestDc' })
      assert.equal(result.thisDc, DC_ID)
      assert.ok(emu.log.some((line) => line.endsWith('transport padded-intermediate')))
    } finally {
      await tg.destroy()
    }
  })

  test('a restarted emulator restores its auth keys and the saved session still works', async () => {
    const saved = JSON.parse(JSON.stringify(emu.authKeys.toJSON()))
    const port = emu.port
    await emu.server.close()
    emu = await startEmulator(AuthKeyStore.restore(saved), port)
    const tg = mtcuteClient(port)
    try {
      await tg.importSession(exported)
      const result = await tg.call({ _: 'help.getNearestDc' })
      assert.equal(result.thisDc, DC_ID)
      assert.equal(emu.authKeys.size, saved.keys.length, 'no new key exchange after the restart')
      assert.equal(emu.calls.at(-1)!.authKeyId.toString(), saved.keys[0].id)
    } finally {
      await tg.destroy()
    }
  })
})
