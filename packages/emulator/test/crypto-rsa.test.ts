import assert from 'node:assert/strict'
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { bigIntFromBytes } from '../src/crypto/big-endian.ts'
import { seededRandom } from '../src/crypto/random-source.ts'
import { rsaDecryptRaw, rsaEncryptRaw } from '../src/crypto/rsa-decrypt.ts'
import { unwrapRsaLegacy, unwrapRsaPad, wrapRsaPad } from '../src/crypto/rsa-pad.ts'
import {
  generateRsaServerKey,
  isFingerprintFindableByMtcute,
  loadRsaServerKey,
  rsaFingerprint,
} from '../src/crypto/rsa-server-key.ts'

const key = generateRsaServerKey()

describe('RSA server key', () => {
  test('fingerprints Telegram\'s production key as the clients do', () => {
    // The production key mtcute and Telegram Desktop know as d09d1d85de64fd85.
    const n = BigInt(
      '0xe8bb3305c0b52c6cf2afdf7637313489e63e05268e5badb601af417786472e5f93b85438968e20e6729a301c0afc121bf7151f834436f7fda680847a66bf64accec78ee21c0b316f0edafe2f41908da7bd1f4a5107638eeb67040ace472a14f90d9f7c2b7def99688ba3073adb5750bb02964902a359fe745d8170e36876d4fd8a5d41b2a76cbff9a13267eb9580b2d06d10357448d20d9da2191cb5d8c93982961cdfdeda629e37f1fb09a0722027696032fe61ed663db7a37f6f263d370f69db53a0dc0a1748bdaaff6209d5645485e6e001d1953255757e4b8e42813347b11da6ab500fd0ace7e6dfa3736199ccaf9397ed0745a427dcfa6cd67bcb1acff3',
    )
    assert.equal(rsaFingerprint(n, 65537n), 0xd09d1d85de64fd85n)
  })
  test('never generates a key whose fingerprint hex begins with 0', () => {
    assert.equal(isFingerprintFindableByMtcute(0x0bc35f3509f7b7a5n), false)
    assert.equal(isFingerprintFindableByMtcute(0x1000000000000000n), true)
    assert.equal(isFingerprintFindableByMtcute(key.fingerprint), true)
  })
  test('exports the public key as PKCS#1 PEM with the same modulus', () => {
    assert.match(key.publicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----\n/)
    const jwk = createPublicKey(key.publicKeyPem).export({ format: 'jwk' })
    assert.equal(bigIntFromBytes(Buffer.from(jwk.n!, 'base64url')), key.n)
    assert.equal(key.e, 65537n)
  })
  test('loads the same key from PKCS#8 and PKCS#1 PEM', () => {
    assert.equal(loadRsaServerKey(key.privateKeyPem).fingerprint, key.fingerprint)
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' })
    const loaded = loadRsaServerKey(pkcs1.toString())
    assert.equal(loaded.fingerprint, rsaFingerprint(loaded.n, loaded.e))
  })
  test('rejects keys that are not 2048-bit RSA', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
    assert.throws(() => loadRsaServerKey(small.toString()), /2048-bit/)
  })
  test('raw RSA decryption inverts raw encryption', () => {
    const m = Buffer.concat([Buffer.from([0]), seededRandom('m')(255)])
    assert.deepEqual(rsaDecryptRaw(key, rsaEncryptRaw(key, m)), m)
  })
  test('raw RSA decryption refuses a ciphertext not below the modulus', () => {
    assert.equal(rsaDecryptRaw(key, Buffer.alloc(256, 0xff)), undefined)
  })
})

describe('RSA_PAD', () => {
  const data = Buffer.from('p_q_inner_data stand-in: 96 bytes of TL would go here.'.padEnd(96, '.'))
  test('unwraps what RSA_PAD wrapped, through the RSA step', () => {
    const random = seededRandom('rsa-pad')
    let cipher: Buffer | undefined
    for (;;) {
      const padded = wrapRsaPad(data, random)
      if (bigIntFromBytes(padded) < key.n) {
        cipher = rsaEncryptRaw(key, padded)
        break
      }
    }
    const unwrapped = unwrapRsaPad(rsaDecryptRaw(key, cipher)!)
    assert.ok(unwrapped)
    assert.equal(unwrapped.length, 192)
    assert.deepEqual(unwrapped.subarray(0, data.length), data)
  })
  test('rejects a block whose hash does not match', () => {
    const padded = wrapRsaPad(data, seededRandom('rsa-pad-2'))
    padded[100] ^= 1
    assert.equal(unwrapRsaPad(padded), undefined)
  })
})

describe('legacy RSA (SHA1(data) ‖ data ‖ padding)', () => {
  const data = Buffer.alloc(96, 0x42)
  const measureFixed = () => data.length
  function legacyEncrypt(payload: Buffer): Buffer {
    const block = Buffer.concat([createHash('sha1').update(payload).digest(), payload])
    const m = Buffer.concat([block, seededRandom('legacy')(255 - block.length)])
    return rsaEncryptRaw(key, m)
  }
  test('unwraps a legacy-encrypted block by its SHA1', () => {
    const m = rsaDecryptRaw(key, legacyEncrypt(data))!
    assert.equal(unwrapRsaPad(m), undefined)
    assert.deepEqual(unwrapRsaLegacy(m, measureFixed), data)
  })
  test('rejects a block whose SHA1 does not match the measured data', () => {
    const m = rsaDecryptRaw(key, legacyEncrypt(data))!
    assert.equal(unwrapRsaLegacy(m, () => 95), undefined)
  })
})
