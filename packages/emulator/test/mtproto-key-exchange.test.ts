import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { aesIgeDecrypt, aesIgeEncrypt } from '../src/crypto/aes-ige.ts'
import { authKeyIdOf } from '../src/crypto/auth-key-id.ts'
import { bigIntFromBytes, bigIntToBytes, bigIntToMinimalBytes } from '../src/crypto/big-endian.ts'
import { DH_PRIME, isSafeDhValue } from '../src/crypto/dh-group.ts'
import { modPow } from '../src/crypto/mod-pow.ts'
import { nonceAesKeyIv } from '../src/crypto/nonce-aes-key.ts'
import { seededRandom, type RandomSource } from '../src/crypto/random-source.ts'
import { rsaEncryptRaw } from '../src/crypto/rsa-decrypt.ts'
import { wrapRsaPad } from '../src/crypto/rsa-pad.ts'
import { generateRsaServerKey } from '../src/crypto/rsa-server-key.ts'
import { KeyExchange, PQ, type KeyExchangeDeps } from '../src/mtproto/key-exchange.ts'
import { MtprotoError } from '../src/mtproto/mtproto-error.ts'
import { mtpSchema } from '../src/tl/schemas.ts'
import { encodeObject, readObject } from '../src/tl/tl-codec.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { TlReader } from '../src/tl/tl-reader.ts'

const mtp = mtpSchema()
const rsaKey = generateRsaServerKey()
const SERVER_TIME = 1_700_000_000
/** A client seed whose first key, with server-7's, begins with a zero byte (found by trying seeds in order). */
const LEADING_ZERO_SEED = 'leading-zero-183'
const sha1 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest()

function serverFor(seed: string, extra: Partial<KeyExchangeDeps> = {}): KeyExchange {
  return new KeyExchange({ rsaKey, random: seededRandom(seed), now: () => SERVER_TIME, ...extra })
}

function rsaPadEncrypt(data: Buffer, random: RandomSource): Buffer {
  for (;;) {
    const padded = wrapRsaPad(data, random)
    if (bigIntFromBytes(padded) < rsaKey.n) return rsaEncryptRaw(rsaKey, padded)
  }
}

/** Telethon's scheme: RSA(SHA1(data) ‖ data ‖ random padding to 255 bytes). */
function legacyEncrypt(data: Buffer, random: RandomSource): Buffer {
  const block = Buffer.concat([sha1(data), data])
  return rsaEncryptRaw(rsaKey, Buffer.concat([block, random(255 - block.length)]))
}

interface ClientRun {
  authKey: Buffer
  final: TlObject
  serverTime: number
  newNonce: Buffer
  serverNonce: Buffer
}

/** Plays the client side of core.telegram.org/mtproto/auth_key against `kx`. */
function runClient(kx: KeyExchange, random: RandomSource, options: { legacy?: boolean; inner?: string; retried?: Buffer[] } = {}): ClientRun & { created?: unknown } {
  const nonce = random(16)
  const resPq = kx.handle({ _: 'req_pq_multi', nonce }).reply
  assert.equal(resPq._, 'resPQ')
  assert.deepEqual(resPq.nonce, nonce)
  assert.deepEqual(resPq.pq, bigIntToMinimalBytes(PQ.pq))
  assert.deepEqual(resPq.server_public_key_fingerprints, [rsaKey.fingerprint])
  const serverNonce = resPq.server_nonce as Buffer

  const newNonce = random(32)
  const p = bigIntToMinimalBytes(PQ.p)
  const q = bigIntToMinimalBytes(PQ.q)
  const innerName = options.inner ?? 'p_q_inner_data_dc'
  const inner = encodeObject(mtp, {
    _: innerName,
    pq: resPq.pq,
    p,
    q,
    nonce,
    server_nonce: serverNonce,
    new_nonce: newNonce,
    dc: 2,
    expires_in: 3600,
  })
  const encryptedData = options.legacy ? legacyEncrypt(inner, random) : rsaPadEncrypt(inner, random)
  const dhParams = kx.handle({
    _: 'req_DH_params',
    nonce,
    server_nonce: serverNonce,
    p,
    q,
    public_key_fingerprint: BigInt.asIntN(64, rsaKey.fingerprint),
    encrypted_data: encryptedData,
  }).reply
  assert.equal(dhParams._, 'server_DH_params_ok')

  const tmp = nonceAesKeyIv(serverNonce, newNonce)
  const answer = aesIgeDecrypt(tmp.key, tmp.iv, dhParams.encrypted_answer as Buffer)
  const reader = new TlReader(answer, 20)
  const dhInner = readObject(mtp, reader)
  assert.deepEqual(sha1(answer.subarray(20, reader.pos)), answer.subarray(0, 20), 'answer hash')
  assert.ok(answer.length - reader.pos < 16, 'answer padding is less than one block')
  assert.equal(dhInner._, 'server_DH_inner_data')
  assert.equal(dhInner.g, 3)
  assert.equal(bigIntFromBytes(dhInner.dh_prime as Buffer), DH_PRIME)
  const gA = bigIntFromBytes(dhInner.g_a as Buffer)
  assert.ok(isSafeDhValue(gA))

  let retryId = 0n
  for (;;) {
    const b = bigIntFromBytes(random(256))
    const gB = modPow(3n, b, DH_PRIME)
    const authKey = bigIntToBytes(modPow(gA, b, DH_PRIME), 256)
    const clientInner = encodeObject(mtp, { _: 'client_DH_inner_data', nonce, server_nonce: serverNonce, retry_id: retryId, g_b: bigIntToBytes(gB, 256) })
    const withHash = Buffer.concat([sha1(clientInner), clientInner])
    const padded = Buffer.concat([withHash, random((16 - (withHash.length % 16)) % 16)])
    const step = kx.handle({ _: 'set_client_DH_params', nonce, server_nonce: serverNonce, encrypted_data: aesIgeEncrypt(tmp.key, tmp.iv, padded) })
    const auxHash = sha1(authKey).subarray(0, 8)
    if (step.reply._ === 'dh_gen_retry') {
      // Hashed from the key as a client that drops its leading zero bytes computes it.
      const seen = authKey.subarray(authKey.findIndex((byte) => byte !== 0))
      assert.deepEqual(step.reply.new_nonce_hash2, sha1(newNonce, Buffer.from([2]), sha1(seen).subarray(0, 8)).subarray(4, 20))
      options.retried?.push(authKey)
      retryId = auxHash.readBigInt64LE(0)
      continue
    }
    assert.equal(step.reply._, 'dh_gen_ok')
    assert.deepEqual(step.reply.new_nonce_hash1, sha1(newNonce, Buffer.from([1]), auxHash).subarray(4, 20))
    return { authKey, final: step.reply, created: step.created, serverTime: dhInner.server_time as number, newNonce, serverNonce }
  }
}

describe('KeyExchange', () => {
  test('creates the same auth key as a client using RSA_PAD with p_q_inner_data_dc', () => {
    const run = runClient(serverFor('server-1'), seededRandom('client-1'))
    const created = run.created as { key: Buffer; id: bigint; firstSalt: bigint; dc: number }
    assert.deepEqual(created.key, run.authKey)
    assert.equal(created.id, authKeyIdOf(run.authKey))
    assert.equal(created.dc, 2)
    assert.equal(run.serverTime, SERVER_TIME)
    const expectedSalt = Buffer.from(run.newNonce.subarray(0, 8).map((b, i) => b ^ run.serverNonce[i]!)).readBigInt64LE(0)
    assert.equal(created.firstSalt, expectedSalt)
  })

  test('accepts the legacy RSA scheme with plain p_q_inner_data (Telethon)', () => {
    const run = runClient(serverFor('server-2'), seededRandom('client-2'), { legacy: true, inner: 'p_q_inner_data' })
    const created = run.created as { key: Buffer; dc?: number }
    assert.deepEqual(created.key, run.authKey)
    assert.equal(created.dc, undefined)
  })

  test('marks keys from p_q_inner_data_temp_dc as temporary', () => {
    const run = runClient(serverFor('server-3'), seededRandom('client-3'), { inner: 'p_q_inner_data_temp_dc' })
    assert.equal((run.created as { tempExpiresIn?: number }).tempExpiresIn, 3600)
  })

  test('asks for a retry with new_nonce_hash2 when the key id is already taken', () => {
    let asked = 0
    const kx = serverFor('server-4', { isKeyIdTaken: () => asked++ === 0 })
    const run = runClient(kx, seededRandom('client-4'))
    assert.equal(asked, 2, 'one retry, then accepted')
    assert.deepEqual((run.created as { key: Buffer }).key, run.authKey)
  })

  test('asks for a retry when the key has a leading zero byte, which a client may drop, and accepts the next key', () => {
    const retried: Buffer[] = []
    const run = runClient(serverFor('server-7'), seededRandom(LEADING_ZERO_SEED), { retried })
    assert.equal(retried.length, 1)
    assert.equal(retried[0]![0], 0)
    assert.notEqual(run.authKey[0], 0)
    assert.deepEqual((run.created as { key: Buffer }).key, run.authKey)
  })

  test('rejects req_DH_params whose nonce differs from req_pq', () => {
    const kx = serverFor('server-5')
    const resPq = kx.handle({ _: 'req_pq_multi', nonce: Buffer.alloc(16, 1) }).reply
    assert.throws(
      () =>
        kx.handle({
          _: 'req_DH_params',
          nonce: Buffer.alloc(16, 2),
          server_nonce: resPq.server_nonce,
          p: bigIntToMinimalBytes(PQ.p),
          q: bigIntToMinimalBytes(PQ.q),
          public_key_fingerprint: rsaKey.fingerprint,
          encrypted_data: Buffer.alloc(256),
        }),
      MtprotoError,
    )
  })

  test('rejects encrypted data that fits neither RSA_PAD nor the legacy scheme', () => {
    const kx = serverFor('server-6')
    const nonce = Buffer.alloc(16, 1)
    const resPq = kx.handle({ _: 'req_pq_multi', nonce }).reply
    const garbage = rsaEncryptRaw(rsaKey, Buffer.concat([Buffer.from([0]), seededRandom('garbage')(255)]))
    assert.throws(
      () =>
        kx.handle({
          _: 'req_DH_params',
          nonce,
          server_nonce: resPq.server_nonce,
          p: bigIntToMinimalBytes(PQ.p),
          q: bigIntToMinimalBytes(PQ.q),
          public_key_fingerprint: rsaKey.fingerprint,
          encrypted_data: garbage,
        }),
      /neither RSA_PAD nor the legacy scheme/,
    )
  })

  test('rejects set_client_DH_params before req_DH_params', () => {
    assert.throws(() => serverFor('server-7').handle({ _: 'set_client_DH_params', nonce: Buffer.alloc(16), server_nonce: Buffer.alloc(16), encrypted_data: Buffer.alloc(16) }), MtprotoError)
  })

  test('the fixed pq is the product of its p and q', () => {
    assert.equal(PQ.p * PQ.q, PQ.pq)
  })
})
