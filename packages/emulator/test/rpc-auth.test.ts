import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { computeSrpParams } from '@mtcute/core/utils.js'
import type { TlObject } from '../src/tl/tl-object.ts'
import { Accounts } from '../src/world/accounts.ts'
import { srpClientProof } from '../src/world/srp.ts'
import { encodeResult, makeEmulator, rpcError, signIn } from './rpc-fixture.ts'

const PHONE = '+15550001111'
const sendCode = (phone = PHONE) => ({ _: 'auth.sendCode', phone_number: phone, api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } })

test('auth.sendCode answers auth.sentCode of type app with the configured code length', async () => {
  const emu = makeEmulator()
  const sent = (await emu.call(sendCode())) as TlObject
  assert.equal(sent._, 'auth.sentCode')
  assert.deepEqual(sent.type, { _: 'auth.sentCodeTypeApp', length: 5 })
  assert.match(String(sent.phone_code_hash), /^[0-9a-f]{18}$/)
  assert.equal(emu.accounts.lastCode(PHONE), '12345')
  for (const layer of [227, 198]) encodeResult(layer, 'auth.sendCode', sent)
})

test('the right code on the same auth key signs in and returns the self user with its phone', async () => {
  const emu = makeEmulator()
  const auth = await signIn(emu, 1n, PHONE)
  assert.equal(auth._, 'auth.authorization')
  const user = auth.user as TlObject
  assert.equal(user.self, true)
  assert.equal(user.phone, '15550001111')
  assert.equal(emu.accounts.userIdFor(1n), user.id)
  for (const layer of [227, 198]) encodeResult(layer, 'auth.signIn', auth)
})

test('phone_code_hash values are seeded: the same seed gives the same hash', async () => {
  const a = (await makeEmulator().call(sendCode())) as TlObject
  const b = (await makeEmulator().call(sendCode())) as TlObject
  assert.equal(a.phone_code_hash, b.phone_code_hash)
})

test('a wrong code is PHONE_CODE_INVALID and the right one still works afterwards', async () => {
  const emu = makeEmulator()
  const sent = (await emu.call(sendCode())) as TlObject
  const signInWith = (code: string) => emu.call({ _: 'auth.signIn', phone_number: PHONE, phone_code_hash: sent.phone_code_hash, phone_code: code })
  await assert.rejects(signInWith('54321'), rpcError(400, 'PHONE_CODE_INVALID'))
  const auth = (await signInWith('12345')) as TlObject
  assert.equal(auth._, 'auth.authorization')
})

test('a code past its five minutes is PHONE_CODE_EXPIRED', async () => {
  const emu = makeEmulator()
  const sent = (await emu.call(sendCode())) as TlObject
  emu.advance(5 * 60 * 1000)
  await assert.rejects(
    emu.call({ _: 'auth.signIn', phone_number: PHONE, phone_code_hash: sent.phone_code_hash, phone_code: '12345' }),
    rpcError(400, 'PHONE_CODE_EXPIRED'),
  )
})

test('a code checked on another auth key than the one that asked is PHONE_CODE_EXPIRED', async () => {
  const emu = makeEmulator()
  const sent = (await emu.call(sendCode(), 1n)) as TlObject
  await assert.rejects(
    emu.call({ _: 'auth.signIn', phone_number: PHONE, phone_code_hash: sent.phone_code_hash, phone_code: '12345' }, 2n),
    rpcError(400, 'PHONE_CODE_EXPIRED'),
  )
  assert.equal(emu.accounts.userIdFor(2n), undefined)
})

test('a malformed phone is PHONE_NUMBER_INVALID', async () => {
  const emu = makeEmulator()
  for (const phone of ['12345', 'abc1234567', '+1234567890123456', '']) {
    await assert.rejects(emu.call(sendCode(phone)), rpcError(400, 'PHONE_NUMBER_INVALID'))
  }
})

test('methods outside auth and help are AUTH_KEY_UNREGISTERED until the key signs in, and again after auth.logOut', async () => {
  const emu = makeEmulator()
  const getState = { _: 'updates.getState' }
  await assert.rejects(emu.call(getState), rpcError(401, 'AUTH_KEY_UNREGISTERED'))
  await assert.rejects(emu.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }), rpcError(401, 'AUTH_KEY_UNREGISTERED'))
  await assert.rejects(emu.call({ _: 'account.getPassword' }), rpcError(401, 'AUTH_KEY_UNREGISTERED'))
  const config = (await emu.call({ _: 'help.getConfig' })) as TlObject
  assert.equal(config._, 'config')
  await signIn(emu)
  const state = (await emu.call(getState)) as TlObject
  assert.equal(state._, 'updates.state')
  const loggedOut = (await emu.call({ _: 'auth.logOut' })) as TlObject
  assert.equal(loggedOut._, 'auth.loggedOut')
  await assert.rejects(emu.call(getState), rpcError(401, 'AUTH_KEY_UNREGISTERED'))
})

test('users.getUsers with inputUserSelf returns the signed-in user', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const users = (await emu.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] })) as TlObject[]
  assert.equal(users.length, 1)
  assert.equal(users[0].self, true)
  assert.equal(users[0].phone, '15550001111')
  const full = (await emu.call({ _: 'users.getFullUser', id: { _: 'inputUserSelf' } })) as TlObject
  assert.equal((full.full_user as TlObject).id, users[0].id)
  for (const layer of [227, 198]) {
    encodeResult(layer, 'users.getUsers', users)
    encodeResult(layer, 'users.getFullUser', full)
  }
})

test('help.getConfig points its dc_options at the emulator address', async () => {
  const emu = makeEmulator()
  const config = (await emu.call({ _: 'help.getConfig' })) as TlObject
  const options = config.dc_options as TlObject[]
  assert.equal(config.this_dc, 2)
  assert.ok(options.length >= 1)
  for (const option of options) {
    assert.equal(option.ip_address, '127.0.0.1')
    assert.equal(option.port, 40443)
    assert.equal(option.id, 2)
  }
  for (const layer of [227, 198]) encodeResult(layer, 'help.getConfig', config)
})

test('an account with a two-step password needs SESSION_PASSWORD_NEEDED, then a correct SRP proof signs in', async () => {
  const emu = makeEmulator()
  emu.accounts.setTwoFactorPassword(PHONE, 'correct horse', 'horse')
  await assert.rejects(signIn(emu), rpcError(401, 'SESSION_PASSWORD_NEEDED'))
  assert.equal(emu.accounts.userIdFor(1n), undefined)
  await assert.rejects(emu.call({ _: 'updates.getState' }), rpcError(401, 'AUTH_KEY_UNREGISTERED'))

  const password = (await emu.call({ _: 'account.getPassword' })) as TlObject
  assert.equal(password.has_password, true)
  assert.equal(password.hint, 'horse')
  const algo = password.current_algo as TlObject
  assert.equal(algo._, 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow')
  assert.equal(algo.g, 3)
  assert.equal((password.srp_B as Buffer).length, 256)
  for (const layer of [227, 198]) encodeResult(layer, 'account.getPassword', password)

  const proof = srpClientProof('correct horse', { salt1: algo.salt1 as Buffer, salt2: algo.salt2 as Buffer }, password.srp_B as Buffer, Buffer.alloc(256, 0x5a))
  const auth = (await emu.call({
    _: 'auth.checkPassword',
    password: { _: 'inputCheckPasswordSRP', srp_id: password.srp_id, A: proof.A, M1: proof.M1 },
  })) as TlObject
  assert.equal(auth._, 'auth.authorization')
  assert.equal((auth.user as TlObject).self, true)
  assert.ok(emu.accounts.userIdFor(1n))
})

test('a wrong two-step password is PASSWORD_HASH_INVALID', async () => {
  const emu = makeEmulator({ accounts: { twoFactorPassword: 'secret' } })
  await assert.rejects(signIn(emu), rpcError(401, 'SESSION_PASSWORD_NEEDED'))
  const password = (await emu.call({ _: 'account.getPassword' })) as TlObject
  const algo = password.current_algo as TlObject
  const proof = srpClientProof('not the secret', { salt1: algo.salt1 as Buffer, salt2: algo.salt2 as Buffer }, password.srp_B as Buffer, Buffer.alloc(256, 0x33))
  await assert.rejects(
    emu.call({ _: 'auth.checkPassword', password: { _: 'inputCheckPasswordSRP', srp_id: password.srp_id, A: proof.A, M1: proof.M1 } }),
    rpcError(400, 'PASSWORD_HASH_INVALID'),
  )
  assert.equal(emu.accounts.userIdFor(1n), undefined)
})

test("mtcute's own SRP client computation is accepted", async () => {
  const emu = makeEmulator({ accounts: { twoFactorPassword: 'mtcute pass' } })
  await assert.rejects(signIn(emu), rpcError(401, 'SESSION_PASSWORD_NEEDED'))
  const password = (await emu.call({ _: 'account.getPassword' })) as TlObject
  const algo = password.current_algo as TlObject
  const crypto = new NodeCryptoProvider()
  await crypto.initialize?.()
  const request = {
    _: 'account.password',
    hasPassword: true,
    currentAlgo: { _: algo._, salt1: algo.salt1, salt2: algo.salt2, g: algo.g, p: algo.p },
    srpB: password.srp_B,
    srpId: password.srp_id,
    newAlgo: { _: 'passwordKdfAlgoUnknown' },
    newSecureAlgo: { _: 'securePasswordKdfAlgoUnknown' },
    secureRandom: password.secure_random,
  } as unknown as Parameters<typeof computeSrpParams>[1]
  const check = await computeSrpParams(crypto, request, 'mtcute pass')
  const auth = (await emu.call({
    _: 'auth.checkPassword',
    password: { _: 'inputCheckPasswordSRP', srp_id: check.srpId, A: Buffer.from(check.A), M1: Buffer.from(check.M1) },
  })) as TlObject
  assert.equal(auth._, 'auth.authorization')
})

test('sign-in state survives toJSON / fromJSON: bindings, pending codes and passwords', async () => {
  const emu = makeEmulator()
  await signIn(emu, 1n, PHONE)
  emu.accounts.setTwoFactorPassword('+15550002222', 'pw')
  const sent = (await emu.call(sendCode('+15550003333'), 3n)) as TlObject
  const state = JSON.parse(JSON.stringify(emu.accounts.toJSON()))
  const restored = Accounts.fromJSON(state, { seed: 7, clock: () => emu.now * 1000 })
  assert.equal(restored.userIdFor(1n), emu.accounts.userIdFor(1n))
  const user = restored.signIn('+15550003333', String(sent.phone_code_hash), '12345', 3n)
  assert.equal(user.phone, '15550003333')
  assert.throws(() => restored.signIn('+15550002222', restored.sendCode('+15550002222', 4n).phoneCodeHash, '12345', 4n), rpcError(401, 'SESSION_PASSWORD_NEEDED'))
})

test('QR login: an exported token accepted by a signed-in device signs the new key in', async () => {
  const emu = makeEmulator()
  const first = (await emu.call({ _: 'auth.exportLoginToken', api_id: 1, api_hash: 'x', except_ids: [] }, 5n)) as TlObject
  assert.equal(first._, 'auth.loginToken')
  emu.accounts.acceptLoginToken(first.token as Buffer, PHONE)
  const second = (await emu.call({ _: 'auth.exportLoginToken', api_id: 1, api_hash: 'x', except_ids: [] }, 5n)) as TlObject
  assert.equal(second._, 'auth.loginTokenSuccess')
  assert.equal(((second.authorization as TlObject).user as TlObject).phone, '15550001111')
  for (const layer of [227, 198]) encodeResult(layer, 'auth.exportLoginToken', second)
})

test('a phone written with spaces, dashes or without + names the same account', async () => {
  const emu = makeEmulator()
  const first = await signIn(emu, 1n, '+34 600-111-222')
  const second = await signIn(emu, 2n, '34600111222')
  assert.equal((first.user as TlObject).id, (second.user as TlObject).id)
  assert.equal((first.user as TlObject).phone, '34600111222')
})
