import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  AppError, ERROR_CATALOG, badRequest, floodWait, internalError, invalidCursor, noPendingSignIn, notAcceptable, notFound,
  notSignedIn, passwordHashInvalid, payloadTooLarge, phoneCodeExpired, phoneCodeInvalid, phoneNumberInvalid,
  emailSetupRequired, phoneNumberUnoccupied, sendCodeUnavailable,
  sessionStoreUnavailable, telegramError, telegramUnavailable, toAppError, toProblem, unauthorized,
  unsupportedMediaType,
} from '../src/core/errors.ts'

test('every catalog code maps to its pinned HTTP status', () => {
  const statusByCode = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, entry]) => [code, entry.status]))
  assert.deepEqual(statusByCode, {
    BAD_REQUEST: 400,
    PHONE_NUMBER_INVALID: 400,
    PHONE_CODE_INVALID: 400,
    NOT_A_CHANNEL: 400,
    INVALID_CURSOR: 400,
    UNAUTHORIZED: 401,
    NOT_SIGNED_IN: 401,
    PASSWORD_HASH_INVALID: 401,
    CHANNEL_PRIVATE: 403,
    INVITE_REQUEST_SENT: 403,
    PHONE_NUMBER_UNOCCUPIED: 400,
    EMAIL_SETUP_REQUIRED: 403,
    CROSS_ORIGIN_FORBIDDEN: 403,
    NOT_FOUND: 404,
    CHANNEL_NOT_FOUND: 404,
    CHANNEL_NOT_JOINED: 404,
    INVITE_INVALID: 404,
    METHOD_NOT_ALLOWED: 405,
    NOT_ACCEPTABLE: 406,
    CHANNELS_TOO_MUCH: 409,
    NO_PENDING_SIGN_IN: 409,
    SEND_CODE_UNAVAILABLE: 409,
    PHONE_CODE_EXPIRED: 410,
    INVITE_EXPIRED: 410,
    HOST_NOT_ALLOWED: 421,
    PAYLOAD_TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    FLOOD_WAIT: 429,
    INTERNAL_ERROR: 500,
    TELEGRAM_ERROR: 502,
    TELEGRAM_UNAVAILABLE: 503,
    SESSION_STORE_UNAVAILABLE: 503,
  })
})

test('each factory builds the error with its own code and status', () => {
  const cases: Array<[AppError, string, number]> = [
    [badRequest('x'), 'BAD_REQUEST', 400],
    [phoneNumberInvalid(), 'PHONE_NUMBER_INVALID', 400],
    [phoneCodeInvalid(), 'PHONE_CODE_INVALID', 400],
    [invalidCursor(), 'INVALID_CURSOR', 400],
    [unauthorized(), 'UNAUTHORIZED', 401],
    [notSignedIn(), 'NOT_SIGNED_IN', 401],
    [passwordHashInvalid(), 'PASSWORD_HASH_INVALID', 401],
    [notFound(), 'NOT_FOUND', 404],
    [notAcceptable(), 'NOT_ACCEPTABLE', 406],
    [noPendingSignIn(), 'NO_PENDING_SIGN_IN', 409],
    [phoneCodeExpired(), 'PHONE_CODE_EXPIRED', 410],
    [phoneNumberUnoccupied(), 'PHONE_NUMBER_UNOCCUPIED', 400],
    [emailSetupRequired(), 'EMAIL_SETUP_REQUIRED', 403],
    [sendCodeUnavailable(), 'SEND_CODE_UNAVAILABLE', 409],
    [payloadTooLarge(), 'PAYLOAD_TOO_LARGE', 413],
    [unsupportedMediaType(), 'UNSUPPORTED_MEDIA_TYPE', 415],
    [floodWait(30), 'FLOOD_WAIT', 429],
    [internalError(), 'INTERNAL_ERROR', 500],
    [telegramError(), 'TELEGRAM_ERROR', 502],
    [telegramUnavailable(), 'TELEGRAM_UNAVAILABLE', 503],
    [sessionStoreUnavailable(), 'SESSION_STORE_UNAVAILABLE', 503],
  ]
  for (const [err, code, status] of cases) {
    assert.ok(err instanceof AppError)
    assert.ok(err instanceof Error)
    assert.equal(err.code, code)
    assert.equal(err.status, status)
    assert.equal(err.message, err.detail)
  }
})

test('the not-signed-in detail tells the client to POST /sign_in', () => {
  assert.match(notSignedIn().detail, /POST \/sign_in/)
})

test('a flood wait carries the seconds to wait, rounded up and at least one', () => {
  assert.equal(floodWait(30).retryAfter, 30)
  assert.equal(floodWait(2.2).retryAfter, 3)
  assert.equal(floodWait(0).retryAfter, 1)
  assert.match(floodWait(30).detail, /30 seconds/)
  assert.equal(badRequest().retryAfter, undefined)
})

test('toProblem writes the RFC 9457 members and the stable code', () => {
  assert.deepEqual(toProblem(phoneCodeExpired()), {
    type: 'about:blank',
    title: 'Gone',
    status: 410,
    detail: ERROR_CATALOG.PHONE_CODE_EXPIRED.detail,
    code: 'PHONE_CODE_EXPIRED',
  })
  assert.deepEqual(toProblem(badRequest('start_time must be before end_time')), {
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: 'start_time must be before end_time',
    code: 'BAD_REQUEST',
  })
})

test('an unknown error becomes a 500 that reveals nothing of its message', () => {
  const problem = toProblem(new Error('auth key 0xdeadbeef leaked'))
  assert.equal(problem.status, 500)
  assert.equal(problem.code, 'INTERNAL_ERROR')
  assert.equal(problem.title, 'Internal Server Error')
  assert.doesNotMatch(problem.detail, /deadbeef/)
  assert.equal(toProblem('a string').status, 500)
})

test('a framework client error with a 4xx statusCode keeps its status and message', () => {
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 })
  assert.deepEqual(toProblem(tooLarge), {
    type: 'about:blank',
    title: 'Payload Too Large',
    status: 413,
    detail: 'Request body is too large',
    code: 'PAYLOAD_TOO_LARGE',
  })
  const wrongType = Object.assign(new Error('Unsupported Media Type: text/plain'), { statusCode: 415 })
  assert.equal(toProblem(wrongType).code, 'UNSUPPORTED_MEDIA_TYPE')
  const unmapped = Object.assign(new Error('I am a teapot'), { statusCode: 418 })
  assert.equal(toProblem(unmapped).status, 500)
})

test('toAppError keeps the foreign error as the cause for the log', () => {
  const foreign = new Error('boom')
  assert.equal(toAppError(foreign).cause, foreign)
  const own = notFound()
  assert.equal(toAppError(own), own)
})
