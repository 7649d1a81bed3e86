import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decryptSession, encryptSession, isEncryptedSession } from '../../src/sessions/session-encryption.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')
const OTHER_KEY = Buffer.alloc(32, 0x42)
const IV = Buffer.from('cafebabefacedbaddecaf888', 'hex')

function storeErrorCode(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof SessionStoreError, String(err))
    return err.code
  }
  assert.fail('expected a SessionStoreError')
}

test('a session encrypted with a fixed key and IV gives the known envelope', () => {
  const sealed = encryptSession(KEY, Buffer.from('hello'), IV)
  // AES-256-GCM of "hello" under KEY and IV, checked with Python's cryptography AESGCM.
  assert.equal(sealed.toString('utf8'), '{"v":1,"alg":"A256GCM","iv":"yv66vvrO263eyviI","tag":"/FJFOKDDvISi9VSg4lzDbg==","data":"4sbMSsU="}')
})

test('encrypting then decrypting gives the plaintext back', () => {
  const plaintext = Buffer.from('{"version":1,"session":null,"pendingSignIn":null}')
  const sealed = encryptSession(KEY, plaintext)
  assert.equal(isEncryptedSession(sealed), true)
  assert.ok(!sealed.includes(plaintext))
  assert.deepEqual(decryptSession(KEY, sealed), plaintext)
})

test('two encryptions of the same session use different IVs', () => {
  const plaintext = Buffer.from('same')
  assert.notDeepEqual(encryptSession(KEY, plaintext), encryptSession(KEY, plaintext))
})

test('content that is not an envelope passes through unchanged, with or without a key', () => {
  const legacy = Buffer.from('1AAAA')
  assert.equal(isEncryptedSession(legacy), false)
  assert.equal(decryptSession(KEY, legacy), legacy)
  const record = Buffer.from('{"version":1,"session":null,"pendingSignIn":null}')
  assert.equal(decryptSession(null, record), record)
})

test('an encrypted session without a key, with another key, or altered is reported with its own code', () => {
  const sealed = encryptSession(KEY, Buffer.from('payload'), IV)
  assert.equal(storeErrorCode(() => decryptSession(null, sealed)), 'SESSION_KEY_REQUIRED')
  assert.equal(storeErrorCode(() => decryptSession(OTHER_KEY, sealed)), 'SESSION_KEY_MISMATCH')
  const envelope = JSON.parse(sealed.toString('utf8'))
  const altered = Buffer.from(JSON.stringify({ ...envelope, data: Buffer.from('PAYLOAD').toString('base64') }))
  assert.equal(storeErrorCode(() => decryptSession(KEY, altered)), 'SESSION_KEY_MISMATCH')
  const truncatedTag = Buffer.from(JSON.stringify({ ...envelope, tag: 'AAAA' }))
  assert.equal(storeErrorCode(() => decryptSession(KEY, truncatedTag)), 'SESSION_CORRUPT')
  const otherAlgorithm = Buffer.from(JSON.stringify({ ...envelope, alg: 'A128CBC' }))
  assert.equal(storeErrorCode(() => decryptSession(KEY, otherAlgorithm)), 'SESSION_CORRUPT')
})
