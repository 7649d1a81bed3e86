/**
 * Requests the service must refuse, over real HTTP against the assembled service: each gets a
 * 4xx (never a 5xx) as `application/problem+json` with a `detail` and a stable `code`
 * (docs/spec.md §3, §4; RFC 9457). Nothing here needs a signed-in account except the unknown-field
 * case, which only asks for a code.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startService, type Service } from '../helpers/service.ts'
import { assertProblem } from '../helpers/problem.ts'

let service: Service

before(async () => {
  service = await startService()
})
after(async () => {
  await service?.close()
})

function postSignIn(body: string | undefined, contentType: string | undefined = 'application/json'): Promise<Response> {
  return fetch(`${service.url}/sign_in`, {
    method: 'POST',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  })
}

function getMessages(query: string): Promise<Response> {
  return fetch(`${service.url}/messages${query}`)
}

test('GET /messages without start_time is 400 naming the field', async () => {
  const problem = await assertProblem(await getMessages(''), 400, 'BAD_REQUEST')
  assert.match(problem.detail, /start_time/)
  await assertProblem(await getMessages('?end_time=2025-07-01T00:00:00Z'), 400, 'BAD_REQUEST')
  await assertProblem(await getMessages('?start_time='), 400, 'BAD_REQUEST')
})

test('GET /messages with an unparseable time is 400 naming the field', async () => {
  for (const start of ['yesterday', '2025-13-01T00:00:00Z', '2025-02-30', '2025-07-01T25:00:00Z', '2025-07-01T00:00:00+25:00', 'NaN', '1e400', '0025-01-01']) {
    const problem = await assertProblem(await getMessages(`?start_time=${encodeURIComponent(start)}`), 400, 'BAD_REQUEST')
    assert.match(problem.detail, /start_time/, start)
  }
  const problem = await assertProblem(await getMessages('?start_time=2025-07-01T00:00:00Z&end_time=soon'), 400, 'BAD_REQUEST')
  assert.match(problem.detail, /end_time/)
  await assertProblem(await getMessages(`?start_time=${'9'.repeat(500)}`), 400, 'BAD_REQUEST')
  await assertProblem(await getMessages(`?start_time=2025-07-01T00:00:00Z${'0'.repeat(100)}`), 400, 'BAD_REQUEST')
})

test('GET /messages with start_time not before end_time is 400', async () => {
  await assertProblem(await getMessages('?start_time=2025-07-01T00:00:00Z&end_time=2025-07-01T00:00:00Z'), 400, 'BAD_REQUEST')
  await assertProblem(await getMessages('?start_time=2025-07-02T00:00:00Z&end_time=2025-07-01T00:00:00Z'), 400, 'BAD_REQUEST')
  // The same instant written with two offsets.
  await assertProblem(await getMessages(`?start_time=${encodeURIComponent('2025-07-01T02:00:00+02:00')}&end_time=2025-07-01T00:00:00Z`), 400, 'BAD_REQUEST')
  // end_time defaults to now: a start in the future is after it.
  await assertProblem(await getMessages('?start_time=2999-01-01T00:00:00Z'), 400, 'BAD_REQUEST')
})

test('GET /messages with start_time given twice is 400', async () => {
  await assertProblem(await getMessages('?start_time=2025-07-01T00:00:00Z&start_time=2025-07-02T00:00:00Z'), 400, 'BAD_REQUEST')
})

test('GET /messages before signing in is 401 NOT_SIGNED_IN pointing at /sign_in', async () => {
  const problem = await assertProblem(await getMessages('?start_time=2025-07-01T00:00:00Z'), 401, 'NOT_SIGNED_IN')
  assert.match(problem.detail, /\/sign_in/)
  const ndjson = await fetch(`${service.url}/messages?start_time=2025-07-01T00:00:00Z`, { headers: { accept: 'application/x-ndjson' } })
  await assertProblem(ndjson, 401, 'NOT_SIGNED_IN')
})

test('POST /sign_in with malformed JSON is 400', async () => {
  await assertProblem(await postSignIn('{"phone":'), 400, 'BAD_REQUEST')
  await assertProblem(await postSignIn("{'phone': '+15550000000'}"), 400, 'BAD_REQUEST')
})

test('POST /sign_in with an empty body is 400', async () => {
  await assertProblem(await postSignIn(''), 400, 'BAD_REQUEST')
  await assertProblem(await postSignIn(undefined, undefined), 400, 'BAD_REQUEST')
})

test('POST /sign_in without a phone is 400 naming the field', async () => {
  const problem = await assertProblem(await postSignIn('{}'), 400, 'BAD_REQUEST')
  assert.match(problem.detail, /phone/)
  await assertProblem(await postSignIn('{"password":"12345"}'), 400, 'BAD_REQUEST')
  await assertProblem(await postSignIn('{"phone":""}'), 400, 'BAD_REQUEST')
})

test('POST /sign_in with a body that is not an object is 400', async () => {
  for (const body of ['null', '[]', '"+15550000000"', '42', 'true', '[{"phone":"+15550000000"}]']) {
    await assertProblem(await postSignIn(body), 400, 'BAD_REQUEST')
  }
})

test('POST /sign_in with fields of the wrong type is 400', async () => {
  for (const body of [
    { phone: { number: '+15550000000' } },
    // An array is not its first element.
    { phone: ['+15550000000'] },
    { phone: ['+15550000000', '+15550000001'] },
    { phone: null },
    { phone: '+15550000000', password: { code: '12345' } },
    { phone: '+15550000000', password: ['12345'] },
    { phone: '+15550000000', code: ['12345'] },
    { phone: '+15550000000', two_factor_password: ['secret'] },
    { phone: 'x'.repeat(65) },
  ]) {
    await assertProblem(await postSignIn(JSON.stringify(body)), 400, 'BAD_REQUEST')
  }
  // A boolean reads as the text "true", which is no phone number.
  await assertProblem(await postSignIn(JSON.stringify({ phone: true })), 400, 'PHONE_NUMBER_INVALID')
})

test('POST /sign_in ignores fields it does not know', async () => {
  const response = await postSignIn(JSON.stringify({ phone: '+15550001234', unknown: 1, nested: { a: [1] } }))
  assert.equal(response.status, 206)
  assert.equal(((await response.json()) as { next: string }).next, 'code')
})

test('POST /sign_in with a body that is not JSON is 415', async () => {
  await assertProblem(await postSignIn('phone=%2B15550000000', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  await assertProblem(await postSignIn('{"phone":"+15550000000"}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE')
})

test('POST /sign_in with a body over the limit is 413', async () => {
  const body = JSON.stringify({ phone: '+15550000000', padding: 'x'.repeat(64 * 1024) })
  await assertProblem(await postSignIn(body), 413, 'PAYLOAD_TOO_LARGE')
})

test('an unknown route is 404 and a known route asked with another method is 405 with Allow, both problem+json', async () => {
  const problem = await assertProblem(await fetch(`${service.url}/nothing/here?x=1`), 404, 'NOT_FOUND')
  assert.ok(!problem.detail.includes('x=1'))
  const getSignIn = await fetch(`${service.url}/sign_in`)
  assert.equal(getSignIn.headers.get('allow'), 'POST')
  await assertProblem(getSignIn, 405, 'METHOD_NOT_ALLOWED')
  const deleteMessages = await fetch(`${service.url}/messages`, { method: 'DELETE' })
  assert.equal(deleteMessages.headers.get('allow'), 'GET')
  await assertProblem(deleteMessages, 405, 'METHOD_NOT_ALLOWED')
  // No implicit HEAD route: it would read the whole window from Telegram for nothing.
  const head = await fetch(`${service.url}/messages?start_time=2025-01-01`, { method: 'HEAD' })
  assert.equal(head.status, 405)
  assert.equal(head.headers.get('allow'), 'GET')
})
