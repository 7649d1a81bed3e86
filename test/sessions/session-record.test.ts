import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js'
import { EMPTY_SESSION_RECORD, parseSessionRecord, serializeSessionRecord } from '../../src/sessions/session-record.ts'
import type { SessionRecord } from '../../src/sessions/session-record.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { encodeTelethonSession } from '../../src/sessions/telethon-session.ts'

const dc = { id: 2, ipAddress: '127.0.0.1', port: 4430 }
const SIGNED_IN = writeStringSession({ version: 3, primaryDcs: { main: dc, media: dc }, self: { userId: 777, isBot: false, isPremium: false, usernames: [] }, authKey: new Uint8Array(256).fill(1) })
const UNAUTHORIZED = writeStringSession({ version: 3, primaryDcs: { main: dc, media: dc }, self: null, authKey: new Uint8Array(256).fill(2) })

function storeErrorCode(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof SessionStoreError)
    return err.code
  }
  assert.fail('expected a SessionStoreError')
}

test('a record with a pending sign-in survives serialization', () => {
  const record: SessionRecord = {
    version: 1,
    session: null,
    pendingSignIn: {
      phone: '+15550100',
      phoneCodeHash: 'abc123',
      session: UNAUTHORIZED,
      createdAt: '2025-07-01T12:34:56.000Z',
      step: 'two_factor_password',
      hint: 'my pet',
    },
  }
  assert.deepEqual(parseSessionRecord(serializeSessionRecord(record)), record)
  const signedIn: SessionRecord = { version: 1, session: SIGNED_IN, pendingSignIn: null }
  assert.deepEqual(parseSessionRecord(serializeSessionRecord(signedIn)), signedIn)
})

test('the serialized record is the documented JSON document', () => {
  const bytes = serializeSessionRecord({
    version: 1,
    session: null,
    pendingSignIn: { phone: '+1', phoneCodeHash: 'h', session: UNAUTHORIZED, createdAt: '2025-01-01T00:00:00.000Z', step: 'code' },
  })
  assert.deepEqual(JSON.parse(bytes.toString('utf8')), {
    version: 1,
    session: null,
    pendingSignIn: { phone: '+1', phoneCodeHash: 'h', session: UNAUTHORIZED, createdAt: '2025-01-01T00:00:00.000Z', step: 'code' },
  })
})

test('empty content is the same as no session', () => {
  assert.deepEqual(parseSessionRecord(Buffer.alloc(0)), EMPTY_SESSION_RECORD)
  assert.deepEqual(parseSessionRecord(Buffer.from(' \n')), EMPTY_SESSION_RECORD)
})

test('a bare Telethon string session is imported as a signed-in mtcute session', () => {
  const authKey = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i))
  const telethon = encodeTelethonSession({ dcId: 4, ip: '149.154.167.91', port: 443, authKey })
  const record = parseSessionRecord(Buffer.from(`${telethon}\n`))
  assert.equal(record.pendingSignIn, null)
  assert.notEqual(record.session, null)
  const read = readStringSession(record.session!)
  assert.deepEqual(Buffer.from(read.authKey), authKey)
  assert.equal(read.primaryDcs.main.id, 4)
  assert.equal(read.primaryDcs.main.ipAddress, '149.154.167.91')
})

test('a Telethon string session without an auth key is no session', () => {
  const telethon = encodeTelethonSession({ dcId: 2, ip: '149.154.167.51', port: 443, authKey: Buffer.alloc(256) })
  assert.deepEqual(parseSessionRecord(Buffer.from(telethon)), EMPTY_SESSION_RECORD)
})

test('a bare mtcute session string is imported as it is', () => {
  assert.deepEqual(parseSessionRecord(Buffer.from(SIGNED_IN)), { version: 1, session: SIGNED_IN, pendingSignIn: null })
})

test('unreadable content is reported as a corrupt session', () => {
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from('hello world'))), 'SESSION_CORRUPT')
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from('{"version":'))), 'SESSION_CORRUPT')
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from('[1]'))), 'SESSION_CORRUPT')
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from('{"version":2,"session":null}'))), 'SESSION_CORRUPT')
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from('{"version":1,"session":"not-a-session"}'))), 'SESSION_CORRUPT')
  const badPending = { version: 1, session: null, pendingSignIn: { phone: '+1', phoneCodeHash: 'h', session: UNAUTHORIZED, createdAt: 'yesterday', step: 'code' } }
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from(JSON.stringify(badPending)))), 'SESSION_CORRUPT')
  const badStep = { ...badPending, pendingSignIn: { ...badPending.pendingSignIn, createdAt: '2025-01-01T00:00:00Z', step: 'sms' } }
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from(JSON.stringify(badStep)))), 'SESSION_CORRUPT')
})

test('corruption messages never contain the stored content', () => {
  try {
    parseSessionRecord(Buffer.from('secret-login-material'))
    assert.fail('expected an error')
  } catch (err) {
    assert.ok(err instanceof SessionStoreError)
    assert.doesNotMatch(err.message, /secret-login-material/)
  }
})

test('an encryption envelope read without a key asks for SESSION_ENCRYPTION_KEY', () => {
  const envelope = '{"v":1,"alg":"A256GCM","iv":"AAAAAAAAAAAAAAAA","tag":"AAAAAAAAAAAAAAAAAAAAAA==","data":""}'
  assert.equal(storeErrorCode(() => parseSessionRecord(Buffer.from(envelope))), 'SESSION_KEY_REQUIRED')
})
