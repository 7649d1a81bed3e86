import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { aesIgeDecrypt, aesIgeEncrypt } from '../src/crypto/aes-ige.ts'
import { authKeyIdOf } from '../src/crypto/auth-key-id.ts'
import { bigIntFromBytes, bigIntToBytes, bigIntToMinimalBytes } from '../src/crypto/big-endian.ts'
import { DH_G, DH_PRIME, DH_PRIME_BYTES, isSafeDhValue } from '../src/crypto/dh-group.ts'
import { FROM_CLIENT, TO_CLIENT, messageAesKeyIv, messageKey } from '../src/crypto/message-key.ts'
import { modPow } from '../src/crypto/mod-pow.ts'
import { nonceAesKeyIv } from '../src/crypto/nonce-aes-key.ts'
import { seededRandom } from '../src/crypto/random-source.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const authKey = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

describe('AES-256-IGE', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
  const iv = hex('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f')
  const plaintext = Buffer.from('The quick brown fox jumps over the lazy dog.....')
  // Produced by @mtcute/wasm's independent IGE implementation for the same inputs.
  const ciphertext = hex(
    '51c9d2387e3ca19faacf0c16103feaffa7148af7a1fda0c8a0dc1fe5a6a2d9b7fe1829a60a360629b4426c36fc8e2386',
  )

  test('encrypts to the known ciphertext', () => {
    assert.deepEqual(aesIgeEncrypt(key, iv, plaintext), ciphertext)
  })
  test('decrypts the known ciphertext back to the plaintext', () => {
    assert.deepEqual(aesIgeDecrypt(key, iv, ciphertext), plaintext)
  })
  test('rejects data that is not whole blocks', () => {
    assert.throws(() => aesIgeEncrypt(key, iv, Buffer.alloc(15)), RangeError)
  })
})

describe('MTProto 2.0 key derivation', () => {
  const msgKey = hex('101112131415161718191a1b1c1d1e1f')
  test('derives aes key and iv for messages from the client (x = 0)', () => {
    const { key, iv } = messageAesKeyIv(authKey, msgKey, FROM_CLIENT)
    assert.equal(key.toString('hex'), '5d8a7a5d8df6f2c1b0fc265cafce6fa489fb54fff123dd9e8ab41eeb4076911b')
    assert.equal(iv.toString('hex'), '15e6797e79c0b6fcba6bca8da1ccadcca3317c46124ca726dc0bbd310c2dfdc3')
  })
  test('derives aes key and iv for messages to the client (x = 8)', () => {
    const { key, iv } = messageAesKeyIv(authKey, msgKey, TO_CLIENT)
    assert.equal(key.toString('hex'), '74c42b6c20823ec4e1660041ae95701264c4797c9969642b108cd6b3f4b3db82')
    assert.equal(iv.toString('hex'), 'a119bf2e9527018c657ba17c40d58e962b3303f8f5a8df1f46fd73050c8314ad')
  })
  test('computes msg_key from auth_key[88+x:120+x] and the plaintext', () => {
    const plaintext = Buffer.concat([Buffer.from('hello mtproto world, 32 bytes!!!'), Buffer.alloc(16)])
    assert.equal(messageKey(authKey, plaintext, FROM_CLIENT).toString('hex'), 'a23cb22a859b615f35af50c364ee25ac')
    assert.equal(messageKey(authKey, plaintext, TO_CLIENT).toString('hex'), '64bc0098277307a3f9abb938ad28486d')
  })
  test('auth_key_id is SHA1(auth_key)[12:20] read as a signed little-endian long', () => {
    assert.equal(authKeyIdOf(authKey), BigInt.asIntN(64, 0xc8df57a46e58d132n))
  })
  test('derives the key exchange tmp_aes_key and tmp_aes_iv from the nonces', () => {
    const serverNonce = Buffer.from(Array.from({ length: 16 }, (_, i) => i))
    const newNonce = Buffer.from(Array.from({ length: 32 }, (_, i) => 100 + i))
    const { key, iv } = nonceAesKeyIv(serverNonce, newNonce)
    assert.equal(key.toString('hex'), 'e95c7c3ec6aeeae100f21acfd4a819230989731d44b134a83a2e9ca0ce56c585')
    assert.equal(iv.toString('hex'), 'da23077ca3f27dec3969124214fdeeacbd8c9de3143ab8ba9423116e64656667')
  })
})

describe('big integers', () => {
  test('modPow matches a small worked example', () => {
    assert.equal(modPow(4n, 13n, 497n), 445n)
    assert.equal(modPow(5n, 0n, 7n), 1n)
  })
  test('big-endian conversions round-trip with left padding', () => {
    assert.deepEqual(bigIntToBytes(0x0102n, 4), hex('00000102'))
    assert.equal(bigIntFromBytes(hex('00000102')), 0x102n)
    assert.deepEqual(bigIntToMinimalBytes(0x10203n), hex('010203'))
    assert.throws(() => bigIntToBytes(0x10000n, 2), RangeError)
  })
})

describe('DH group', () => {
  test('is Telegram\'s 2048-bit prime with g = 3 that passes the g = 3 residue check', () => {
    assert.equal(DH_G, 3)
    assert.equal(DH_PRIME.toString(2).length, 2048)
    assert.equal(DH_PRIME % 3n, 2n)
    assert.equal(DH_PRIME_BYTES.length, 256)
    assert.equal(DH_PRIME_BYTES[0], 0xc7)
    assert.equal(DH_PRIME_BYTES[255], 0x5b)
  })
  test('accepts only values between 2^1984 and dh_prime - 2^1984', () => {
    assert.equal(isSafeDhValue(1n << 1984n), false)
    assert.equal(isSafeDhValue((1n << 1984n) + 1n), true)
    assert.equal(isSafeDhValue(DH_PRIME - 1n), false)
    assert.equal(isSafeDhValue(modPow(3n, bigIntFromBytes(seededRandom('a')(256)), DH_PRIME)), true)
  })
})

describe('seededRandom', () => {
  test('replays the same bytes for the same seed', () => {
    const a = seededRandom('x')
    const b = seededRandom('x')
    assert.deepEqual(Buffer.concat([a(5), a(40)]), b(45))
    assert.notDeepEqual(seededRandom('y')(16), seededRandom('x')(16))
  })
})
