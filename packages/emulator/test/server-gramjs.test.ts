import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, test } from 'node:test'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { AuthKeyStore } from '../src/mtproto/auth-key-store.ts'
import type { RpcCall } from '../src/mtproto/rpc-dispatcher.ts'
import { RpcError } from '../src/rpc/rpc-error.ts'
import { EmulatorServer } from '../src/server.ts'

// gramjs is CommonJS; its key table lives in the module instance `require` loads.
const require = createRequire(import.meta.url)
const { TelegramClient, Api } = require('telegram')
const { StringSession } = require('telegram/sessions')
const { PromisedNetSockets } = require('telegram/extensions')
const { _serverKeys } = require('telegram/crypto/RSA')
const bigInt = require('big-integer')

const DC_ID = 2
const rsaKey = generateRsaServerKey()
_serverKeys.set(BigInt.asIntN(64, rsaKey.fingerprint).toString(), { n: bigInt(rsaKey.n.toString()), e: 65537 })

const authKeys = new AuthKeyStore()
const calls: RpcCall[] = []
const log: string[] = []
let server: EmulatorServer
let port: number

before(async () => {
  server = new EmulatorServer({
    rsaKey,
    authKeys,
    dcId: DC_ID,
    log: (line) => log.push(line),
    dispatcher: {
      async dispatch(call) {
        calls.push(call)
        if (call.method._ === 'help.getNearestDc') return { _: 'nearestDc', country: 'NL', this_dc: DC_ID, nearest_dc: DC_ID }
        if (call.method._ === 'help.getConfig') {
          return { _: 'config', date: 1, expires: 2, this_dc: DC_ID, dc_options: [{ _: 'dcOption', id: DC_ID, ip_address: '127.0.0.1', port }] }
        }
        throw new RpcError(400, 'METHOD_NOT_IMPLEMENTED')
      },
    },
  })
  port = (await server.listen()).port
})
after(() => server.close())

/**
 * gramjs dials port 80 whatever its session says, and stores the port as an int16: the session
 * names port 443 and the socket goes to the emulator's port instead.
 */
function gramClient(session: string) {
  class EmulatorSocket extends PromisedNetSockets {
    connect(_port: number, ip: string) {
      return super.connect(port, ip)
    }
  }
  const stringSession = new StringSession(session)
  if (!session) stringSession.setDC(DC_ID, '127.0.0.1', 443)
  const client = new TelegramClient(stringSession, 1, 'x', { networkSocket: EmulatorSocket, connectionRetries: 1, useWSS: false })
  client.setLogLevel('none')
  return client
}

describe('EmulatorServer with the gramjs client (layer 198, full transport)', () => {
  let saved = ''

  test('gramjs creates an auth key and gets help.getNearestDc answered in layer 198', async () => {
    const client = gramClient('')
    try {
      await client.connect()
      const result = await client.invoke(new Api.help.GetNearestDc())
      assert.equal(result.className, 'NearestDc')
      assert.equal(result.thisDc, DC_ID)
      assert.equal(authKeys.size, 1)
      const call = calls.find((c) => c.method._ === 'help.getNearestDc')!
      assert.equal(call.layer, 198)
      assert.equal(authKeys.get(call.authKeyId)!.layer, 198)
      assert.ok(log.some((line) => line.endsWith('transport full')))
      saved = client.session.save()
    } finally {
      await client.destroy()
    }
  })

  test('a saved gramjs session calls again without a new key exchange', async () => {
    const client = gramClient(saved)
    try {
      await client.connect()
      const result = await client.invoke(new Api.help.GetNearestDc())
      assert.equal(result.thisDc, DC_ID)
      assert.equal(authKeys.size, 1)
    } finally {
      await client.destroy()
    }
  })
})
