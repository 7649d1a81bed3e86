import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MtTimeoutError, MtcuteError, tl } from '@mtcute/core'
import { failedWith, floodWaitSeconds, isPasswordNeeded, isSignedOut, toAppError, toMembershipError } from '../../src/telegram/calls/rpc-errors.ts'
import { AppError } from '../../src/core/errors.ts'

const rpc = (errorCode: number, errorMessage: string): tl.RpcError => tl.RpcError.fromTl({ errorCode, errorMessage })

test('Telegram sign-in errors map to their stable codes and statuses', () => {
  const cases: Array<[number, string, string, number]> = [
    [400, 'PHONE_NUMBER_INVALID', 'PHONE_NUMBER_INVALID', 400],
    [400, 'PHONE_CODE_INVALID', 'PHONE_CODE_INVALID', 400],
    [400, 'PHONE_CODE_EMPTY', 'PHONE_CODE_INVALID', 400],
    [400, 'PHONE_CODE_EXPIRED', 'PHONE_CODE_EXPIRED', 410],
    [400, 'PASSWORD_HASH_INVALID', 'PASSWORD_HASH_INVALID', 401],
    [401, 'AUTH_KEY_UNREGISTERED', 'NOT_SIGNED_IN', 401],
    [401, 'SESSION_REVOKED', 'NOT_SIGNED_IN', 401],
    [401, 'USER_DEACTIVATED', 'NOT_SIGNED_IN', 401],
    [500, 'INTERNAL', 'TELEGRAM_UNAVAILABLE', 503],
    [-503, 'Timeout', 'TELEGRAM_UNAVAILABLE', 503],
    [400, 'TIMEOUT', 'TELEGRAM_UNAVAILABLE', 503],
    [400, 'CHANNEL_PRIVATE', 'TELEGRAM_ERROR', 502],
  ]
  for (const [code, text, expectedCode, status] of cases) {
    const error = toAppError(rpc(code, text))
    assert.equal(error.code, expectedCode, text)
    assert.equal(error.status, status, text)
    assert.ok(error.cause instanceof tl.RpcError, `${text} keeps its cause`)
  }
})

test('a flood wait becomes FLOOD_WAIT with the seconds Telegram asked for', () => {
  const error = toAppError(rpc(420, 'FLOOD_WAIT_300'))
  assert.equal(error.code, 'FLOOD_WAIT')
  assert.equal(error.status, 429)
  assert.equal(error.retryAfter, 300)
  assert.equal(floodWaitSeconds(rpc(420, 'FLOOD_WAIT_2')), 2)
  assert.equal(floodWaitSeconds(rpc(420, 'SLOWMODE_WAIT_7')), 7)
  assert.equal(floodWaitSeconds(rpc(400, 'PHONE_CODE_INVALID')), null)
})

test('the error kinds the sign-in flow branches on are recognised', () => {
  assert.equal(isPasswordNeeded(rpc(401, 'SESSION_PASSWORD_NEEDED')), true)
  assert.equal(isPasswordNeeded(rpc(400, 'PHONE_CODE_INVALID')), false)
  assert.equal(isSignedOut(rpc(401, 'AUTH_KEY_UNREGISTERED')), true)
  assert.equal(isSignedOut(new Error('AUTH_KEY_UNREGISTERED')), false)
})

test('timeouts and refused connections mean Telegram is unavailable; anything else is a Telegram error', () => {
  assert.equal(toAppError(new MtTimeoutError(1000)).code, 'TELEGRAM_UNAVAILABLE')
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
  assert.equal(toAppError(refused).code, 'TELEGRAM_UNAVAILABLE')
  assert.equal(toAppError(new MtcuteError('something odd')).code, 'TELEGRAM_ERROR')
  const existing = new AppError('PHONE_CODE_INVALID')
  assert.equal(toAppError(existing), existing)
})

test('the detail of a Telegram error names the error text, never the request', () => {
  const error = toAppError(rpc(400, 'CHANNEL_PRIVATE'))
  assert.equal(error.detail, 'Telegram answered 400 CHANNEL_PRIVATE.')
})

test('refusals of a username lookup or a join map to their channel codes', () => {
  const cases: Array<[string, string, number]> = [
    ['USERNAME_NOT_OCCUPIED', 'CHANNEL_NOT_FOUND', 404],
    ['USERNAME_INVALID', 'CHANNEL_NOT_FOUND', 404],
    ['INVITE_HASH_INVALID', 'INVITE_INVALID', 404],
    ['INVITE_HASH_EMPTY', 'INVITE_INVALID', 404],
    ['INVITE_HASH_EXPIRED', 'INVITE_EXPIRED', 410],
    ['INVITE_REQUEST_SENT', 'INVITE_REQUEST_SENT', 403],
    ['CHANNELS_TOO_MUCH', 'CHANNELS_TOO_MUCH', 409],
  ]
  for (const [text, code, status] of cases) {
    const error = toAppError(rpc(400, text))
    assert.equal(error.code, code, text)
    assert.equal(error.status, status, text)
  }
})

test('CHANNEL_PRIVATE and USER_NOT_PARTICIPANT are channel refusals only where a join or leave reads them', () => {
  const converted = toAppError(rpc(400, 'USER_NOT_PARTICIPANT'))
  assert.equal(converted.code, 'TELEGRAM_ERROR')
  const left = toMembershipError(converted, 'not in "x"') as AppError
  assert.equal(left.code, 'CHANNEL_NOT_JOINED')
  assert.equal(left.detail, 'not in "x"')
  assert.ok(left.cause instanceof tl.RpcError)
  assert.equal((toMembershipError(rpc(400, 'CHANNEL_PRIVATE'), 'private') as AppError).code, 'CHANNEL_PRIVATE')
  const other = toAppError(rpc(400, 'PEER_ID_INVALID'))
  assert.equal(toMembershipError(other, 'x'), other)
  assert.equal(failedWith(toAppError(rpc(400, 'USER_ALREADY_PARTICIPANT')), 'USER_ALREADY_PARTICIPANT'), true)
  assert.equal(failedWith(other, 'USER_ALREADY_PARTICIPANT'), false)
})
