/**
 * Five DCs and home DCs, seen by the pinned mtcute client used as any application uses it:
 * it starts on the default DC, follows PHONE_MIGRATE to the account's home DC, and a session
 * restored later goes straight there.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { startEmulator, type Emulator } from '../src/emulator.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { homeDcByNumber } from '../src/world/phone-directory.ts'
import { mtcuteClientFor } from './helpers/emulator-client.ts'
import { makeEmulator, rpcError, signIn } from './rpc-fixture.ts'

const rsaPrivateKeyPem = generateRsaServerKey().privateKeyPem
let emu: Emulator

before(async () => {
  emu = await startEmulator({ rsaPrivateKeyPem })
})
after(() => emu.stop())

test('a 99966XYYYY number lives on DC X, Telegram\'s test-number scheme; any other on DC 2', () => {
  assert.equal(homeDcByNumber('9996641234'), 4)
  assert.equal(homeDcByNumber('9996611234'), 1)
  assert.equal(homeDcByNumber('9996661234'), 2)
  assert.equal(homeDcByNumber('15550001111'), 2)
})

test('help.getConfig lists five DCs, each at its own address', async (t) => {
  const tg = mtcuteClientFor(emu)
  t.after(() => tg.destroy())
  const config = await tg.call({ _: 'help.getConfig' })
  const main = config.dcOptions.filter((o) => !o.mediaOnly)
  assert.deepEqual(main.map((o) => o.id), [1, 2, 3, 4, 5])
  assert.equal(new Set(main.map((o) => o.port)).size, 5)
  assert.deepEqual(main.map((o) => o.port), emu.dcAddresses().map((dc) => dc.port))
  assert.equal(config.thisDc, 2)
})

test('mtcute follows PHONE_MIGRATE to the home DC, signs in there, and its session names that DC', async (t) => {
  const phone = '+999 66 4 1001'
  const tg = mtcuteClientFor(emu)
  t.after(() => tg.destroy())
  const keysOnDc4 = emu.dc(4).authKeys.size
  const sent = await tg.sendCode({ phone })
  assert.ok('phoneCodeHash' in sent)
  const me = await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
  assert.equal(me.isSelf, true)
  assert.equal(emu.dc(4).authKeys.size, keysOnDc4 + 1, 'a new auth key on DC 4')
  const session = await tg.exportSession()

  // A restored session goes to DC 4 directly: DC 2 sees no new connection.
  const before2 = emu.dc(2).connectionsAccepted
  const again = mtcuteClientFor(emu)
  t.after(() => again.destroy())
  await again.importSession(session)
  const self = await again.getMe()
  assert.equal(self.id, me.id)
  assert.equal(emu.dc(2).connectionsAccepted, before2)
})

test('a call on another DC is AUTH_KEY_UNREGISTERED there until mtcute exports the authorization to it', async (t) => {
  const phone = '+999 66 4 1002'
  const tg = mtcuteClientFor(emu)
  t.after(() => tg.destroy())
  const sent = await tg.sendCode({ phone })
  assert.ok('phoneCodeHash' in sent)
  const me = await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
  const exports = emu.faults.counters.get('auth.exportAuthorization')
  const imports = emu.faults.counters.get('auth.importAuthorization')
  const users = await tg.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }, { dcId: 1 })
  assert.equal(users[0]?.id, me.id)
  assert.equal(emu.faults.counters.get('auth.exportAuthorization'), exports + 1)
  assert.equal(emu.faults.counters.get('auth.importAuthorization'), imports + 1)
})

test('dispatcher: sendCode on a foreign DC is PHONE_MIGRATE_<home>, and a key of a moved account is USER_MIGRATE_<home>', async () => {
  const fixture = makeEmulator()
  const sendCode = { _: 'auth.sendCode', phone_number: '+9996631234', api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } }
  await assert.rejects(fixture.call(sendCode), rpcError(303, 'PHONE_MIGRATE_3'))
  await signIn(fixture, 7n, '+15550007777')
  assert.equal(((await fixture.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }, 7n)) as TlObject[]).length, 1)
  fixture.accounts.setHomeDc('+15550007777', 5)
  await assert.rejects(fixture.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }, 7n), rpcError(303, 'USER_MIGRATE_5'))
})

test('dispatcher: exported authorization bytes sign in a key only on the DC they were exported to, once', async () => {
  const fixture = makeEmulator()
  await signIn(fixture, 7n, '+15550007778')
  const exported = fixture.accounts.exportAuthorization(7n, 2, 4)
  await assert.rejects(async () => fixture.accounts.importAuthorization(exported.id, exported.bytes, 8n, 3), rpcError(400, 'AUTH_BYTES_INVALID'))
  const user = fixture.accounts.importAuthorization(exported.id, exported.bytes, 8n, 4)
  assert.equal(fixture.accounts.userFor(8n, 4)?.id, user.id)
  assert.equal(fixture.accounts.userFor(8n, 2), undefined)
  await assert.rejects(async () => fixture.accounts.importAuthorization(exported.id, exported.bytes, 9n, 4), rpcError(400, 'AUTH_BYTES_INVALID'))
})

test('a snapshot keeps every DC\'s auth keys: a restarted emulator still knows a DC 4 session', async (t) => {
  const phone = '+999 66 4 1003'
  const tg = mtcuteClientFor(emu)
  t.after(() => tg.destroy())
  const sent = await tg.sendCode({ phone })
  assert.ok('phoneCodeHash' in sent)
  const me = await tg.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: emu.lastCode(phone)! })
  const session = await tg.exportSession()
  await tg.destroy()

  const ports = Object.fromEntries(emu.dcAddresses().map((dc) => [dc.dcId, dc.port]))
  const snapshot = emu.snapshot()
  await emu.stop()
  emu = await startEmulator({ snapshot, port: ports[2], ports })
  const again = mtcuteClientFor(emu)
  t.after(() => again.destroy())
  await again.importSession(session)
  assert.equal((await again.getMe()).id, me.id)
})
