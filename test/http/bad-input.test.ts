/**
 * Hundreds of malformed requests against a signed-in service, over raw TCP so that nothing
 * (fetch's URL normalisation, its header checks) tidies them first: broken and oversized JSON,
 * wrong types, absurd dates, repeated query fields, path tricks, long URLs, invalid UTF-8 and
 * percent-encoding, wrong methods, content-type tricks, broken HTTP framing. Every answer must
 * be a 4xx `application/problem+json` with a `detail` (RFC 9457), none a 5xx, and afterwards
 * the service still serves, still signed in.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { signIn, startService, type Service } from '../helpers/service.ts'

const NOW = 1_750_000_000
const PHONE = '+15557002345'
const START = new Date((NOW - 2 * 86_400) * 1000).toISOString()
const END = new Date(NOW * 1000).toISOString()

let service: Service
let port: number

before(async () => {
  service = await startService({
    emulator: { world: { seed: 8, channels: 2, messagesPerChannel: 30, spanSeconds: 86_400, now: NOW } },
    now: () => NOW * 1000,
  })
  port = Number(new URL(service.url).port)
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: service.emulator.lastCode(PHONE) })).status, 200)
})
after(async () => {
  await service?.close()
})

interface RawRequest {
  /** What the case is, for the failure message. */
  name: string
  method?: string
  /** The request target exactly as sent. */
  target: string
  headers?: Record<string, string>
  body?: Buffer | string
  /** Bytes sent instead of a request built from the fields above. */
  raw?: Buffer
}

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** One request on its own connection (`Connection: close`), the answer read until the server closes. */
function send(request: RawRequest): Promise<RawResponse> {
  let bytes = request.raw
  if (bytes === undefined) {
    const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body)
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...request.headers }
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) {
      headers['content-length'] = String(body.length)
    }
    const head = `${request.method ?? 'GET'} ${request.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
    bytes = Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)])
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1')
    const finish = (): void => {
      const all = Buffer.concat(chunks)
      const split = all.indexOf('\r\n\r\n')
      const head = all.subarray(0, split < 0 ? all.length : split).toString('latin1')
      const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(head)
      if (split < 0 || statusLine === null) {
        reject(new Error(`${request.name}: no HTTP response (got ${JSON.stringify(head.slice(0, 200))})`))
        return
      }
      const headers: Record<string, string> = {}
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      let body: Buffer = all.subarray(split + 4)
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body)
      resolve({ status: Number(statusLine[1]), headers, body: body.toString('utf8') })
    }
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', finish)
    // The server may answer and close before the whole (oversized) request is written.
    socket.on('error', () => finish())
    socket.write(bytes)
  })
}

/** RFC 9112 §7.1 chunked transfer coding, sizes in bytes. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let rest = body
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd < 0) break
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16)
    if (!(size > 0)) break
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
    rest = rest.subarray(lineEnd + 2 + size + 2)
  }
  return Buffer.concat(parts)
}

const JSON_TYPE = { 'content-type': 'application/json' }
const postSignIn = (name: string, body: Buffer | string, headers: Record<string, string> = JSON_TYPE): RawRequest =>
  ({ name, method: 'POST', target: '/sign_in', headers, body })
const getMessages = (name: string, query: string, headers: Record<string, string> = {}): RawRequest =>
  ({ name, target: `/messages${query}`, headers })

function malformedJson(): RawRequest[] {
  const texts = [
    '{', '}', '[', '{"phone":', '{"phone":"+15550000000"', '{"phone":"+15550000000"}}', '{phone:"+15550000000"}',
    "{'phone':'+15550000000'}", '{"phone":"+15550000000",}', '{"phone" "+15550000000"}', '{"phone":+15550000000}',
    '{"phone":"\\u12"}', '{"phone":"\\x41"}', '{"phone":"a\u0001b"}', 'nul', 'NaN', 'undefined', 'Infinity', '-',
    '{"phone":"+15550000000"} {"phone":"+15550000001"}', '{"phone":"+15550000000"}garbage', '// {"phone":"+1"}',
    '{"phone":"+15550000000" /* c */}', '0x10', '{"a":1e99999999999}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`, '"', '"unterminated',
    ' ', '\n', '\t\r\n', '{"phone":"+15550000000","phone":["x"]}',
  ]
  // Each twice: with the bare media type, and with the charset parameter clients often add.
  return texts.flatMap((text, i) => [
    postSignIn(`malformed JSON #${i}: ${JSON.stringify(text.slice(0, 40))}`, text),
    postSignIn(`malformed JSON #${i} (charset=utf-8)`, text, { 'content-type': 'application/json; charset=utf-8' }),
  ])
}

function notAnObject(): RawRequest[] {
  return ['null', '[]', '"+15550000000"', '42', 'true', 'false', '[{"phone":"+15550000000"}]', '0', '-1.5', '""']
    .map((text) => postSignIn(`body that is not an object: ${text}`, text))
}

function oversized(): RawRequest[] {
  const padding = (n: number): string => JSON.stringify({ phone: '+15550000000', padding: 'x'.repeat(n) })
  return [
    postSignIn('body just over 16 KiB', padding(16 * 1024)),
    postSignIn('body of 100 KiB', padding(100 * 1024)),
    postSignIn('body of 1 MiB', padding(1024 * 1024)),
    postSignIn('an oversized body that is not even JSON', 'x'.repeat(200 * 1024)),
    { ...postSignIn('Content-Length far over the limit, no body sent yet', ''), headers: { ...JSON_TYPE, 'content-length': '1073741824' } },
    {
      name: 'chunked body over the limit',
      method: 'POST',
      target: '/sign_in',
      headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' },
      body: `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n0\r\n\r\n`,
    },
    postSignIn('a huge array', `[${'1,'.repeat(20_000)}1]`),
  ]
}

function wrongTypes(): RawRequest[] {
  const wrong: unknown[] = [{}, [], ['12345'], { code: '12345' }, [[]], [null], { length: 1 }]
  const requests: RawRequest[] = []
  for (const field of ['phone', 'password', 'code', 'two_factor_password']) {
    for (const value of wrong) {
      const body = { phone: '+15550000000', [field]: value }
      requests.push(postSignIn(`sign-in field ${field} = ${JSON.stringify(value)}`, JSON.stringify(body)))
    }
  }
  for (const phone of [null, '', 'x'.repeat(65), 1e400]) {
    requests.push(postSignIn(`phone ${JSON.stringify(phone)}`, JSON.stringify({ phone })))
  }
  for (const field of ['password', 'code']) requests.push(postSignIn(`${field} over 64 characters`, JSON.stringify({ phone: '+15550000000', [field]: '1'.repeat(65) })))
  requests.push(postSignIn('two_factor_password over 1024 characters', JSON.stringify({ phone: '+15550000000', two_factor_password: 'p'.repeat(1025) })))
  requests.push(postSignIn('only unknown fields', JSON.stringify({ telephone: '+15550000000', pass: '12345' })))
  requests.push(postSignIn('unknown fields without the phone', JSON.stringify({ extra: { nested: [1, 2, 3] }, code: '12345' })))
  requests.push(postSignIn('a __proto__ key', '{"__proto__":{"polluted":true},"phone":"+15550000000"}'))
  requests.push(postSignIn('a nested __proto__ key', '{"phone":"+15550000000","x":{"__proto__":{"polluted":true}}}'))
  requests.push(postSignIn('a constructor.prototype key', '{"constructor":{"prototype":{"polluted":true}},"phone":"+15550000000"}'))
  return requests
}

function absurdTimes(): RawRequest[] {
  const starts = [
    '99999-01-01T00:00:00Z', '+099999-01-01T00:00:00Z', '1e309', '-1e309', '1e308', '-1', '-1751373296', '-0.5',
    '-99999999999999999999', '99999999999999999999', '8640000000000001', 'Infinity', '-Infinity', 'NaN',
    '0000-00-00', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2025-00-10', '2025-02-29', '2024-02-30',
    '2025-07-01T24:00:00Z', '2025-07-01T23:60:00Z', '2025-07-01T23:59:60Z', '2025-07-01T00:00:00+24:00',
    '2025-07-01T00:00:00+23:60', '2025-07-01T00:00:00.1234567890Z', '2025-W27', '2025-182', '20250701T000000Z',
    '2025-07-01T00:00:00ZZ', '2025-07-01T00:00:00 Z', '２０２５-07-01', '2025‐07‐01', 'now', 'yesterday', 'null',
    'undefined', 'true', '[]', '{}', '"2025-07-01"', "'2025-07-01'", '9'.repeat(64), '9'.repeat(65), '0x10', '1_000',
    '2025-07-01T00:00:00Z\n', '2025-07-01\u0000', '\u202e2025-07-01', '🙂', '%', ' ',
  ]
  const requests = starts.map((start) => getMessages(`start_time ${JSON.stringify(start)}`, `?start_time=${encodeURIComponent(start)}&end_time=${END}`))
  for (const end of ['99999-01-01T00:00:00Z', '1e309', '-1', '1969-12-31T23:59:59Z', '2025-02-30', 'soon', '']) {
    requests.push(getMessages(`end_time ${JSON.stringify(end)}`, `?start_time=${START}&end_time=${encodeURIComponent(end)}`))
  }
  requests.push(getMessages('start_time equal to end_time', `?start_time=${END}&end_time=${END}`))
  requests.push(getMessages('start_time after end_time', `?start_time=${END}&end_time=${START}`))
  requests.push(getMessages('a start in the future of the default end', '?start_time=2999-01-01T00:00:00Z'))
  return requests
}

function queryTricks(): RawRequest[] {
  const queries = [
    '', '?', '?&&&', '?start_time', '?start_time=', '?=2025-07-01', `?start_time=${START}&start_time=${START}`,
    `?start_time=a&start_time=b`, `?start_time=${START}&end_time=${END}&end_time=${END}`, `?start_time[]=${START}`,
    `?start_time[0]=${START}`, `?start_time[a]=${START}`, `?start_time.a=${START}`, `?START_TIME=${START}`,
    `?start%5Ftime%00=${START}`, '?start_time=%', '?start_time=%ZZ', '?start_time=%E0%A4%A', '?start_time=%C0%AF',
    '?start_time=%FF%FE', '?start_time=%ED%A0%80', `?end_time=${END}`, `?start_time=${'9'.repeat(4000)}`,
    `?start_time=${START}${'0'.repeat(3000)}`, `?start_time=${encodeURIComponent(START + '\r\nX-Injected: 1')}`,
    `?start_time=${START}&end_time=${END}&start_time=${START}`,
  ]
  return queries.map((query) => getMessages(`query ${JSON.stringify(query.slice(0, 60))}`, query))
}

function pathTricks(): RawRequest[] {
  const targets = [
    '/messages/../sign_in', '/messages/..%2Fsign_in', '/%2e%2e/', '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd',
    '/messages/', '/messages/.', '/messages/..', '/./messages', '//messages', '/MESSAGES', '/Messages', '/messages%00',
    '/messages%20', '/messages;x=1', '/sign_in/', '/sign_in%2F', '/health/', '/health/..', '/%', '/%zz', '/%c0%ae%c0%ae/',
    '/%ED%A0%80', '/\\..\\sign_in', '/messages\\..\\sign_in', `/${'a'.repeat(5000)}`, `/messages/${'a'.repeat(300)}`,
    '/docs/static/../../messages', '/docs/static/..%2f..%2fpackage.json', '/docs/static/%2e%2e/%2e%2e/package.json',
    '/docs/static/a%00b', '/docs/static/../../../../etc/passwd', '/docs/%E0%A4%A', '/openapi.json/..', '/openapi.json%00',
    '*', 'messages', '/?start_time=2025-07-01', '/favicon.ico', '/.env', '/.git/config', '/%2e%2e%5c%2e%2e%5cwindows',
    `/messages?start_time=${START}#fragment`, '/messages%3Fstart_time=2025-07-01',
  ]
  return targets.map((target) => ({ name: `path ${JSON.stringify(target.slice(0, 60))}`, target }))
}

function longRequests(): RawRequest[] {
  return [
    getMessages('a URL of 15 KB, all of it start_time', `?start_time=${'1'.repeat(15_000)}`),
    getMessages('a URL of 64 KB', `?start_time=${START}&padding=${'x'.repeat(64_000)}`),
    { name: 'a path of 20 KB', target: `/${'a'.repeat(20_000)}` },
    getMessages('a header of 32 KB', `?start_time=${START}`, { 'x-padding': 'x'.repeat(32_000) }),
    getMessages('many headers adding up to 40 KB', `?start_time=${START}`, Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-h${i}`, 'y'.repeat(100)]))),
  ]
}

function invalidUtf8(): RawRequest[] {
  const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
  return [
    postSignIn('a phone with bytes that are not UTF-8', bytes('{"phone":"', [0xff, 0xfe], '"}')),
    postSignIn('an overlong UTF-8 encoding', bytes('{"phone":"+1555', [0xc0, 0xaf], '"}')),
    postSignIn('a lone continuation byte', bytes('{"phone":"+15550000000","password":"', [0x80], '"}')),
    postSignIn('a truncated multi-byte sequence', bytes('{"phone":"+15550000000","code":"12', [0xe2, 0x82], '"}')),
    postSignIn('an encoded surrogate', bytes('{"phone":"+15550000000","two_factor_password":"', [0xed, 0xa0, 0x80], '"}')),
    postSignIn('Latin-1 text', Buffer.from('{"phone":"+15550000000","two_factor_password":"caf\u00e9"}', 'latin1')),
    postSignIn('UTF-16 text', Buffer.from('{"phone":"+15550000000"}', 'utf16le')),
    postSignIn('a NUL byte', bytes('{"phone":"+15550000000"}', [0])),
  ]
}

function wrongMethods(): RawRequest[] {
  const requests: RawRequest[] = []
  for (const method of ['PUT', 'PATCH', 'DELETE']) {
    for (const path of ['/sign_in', '/messages', '/health', '/metrics']) requests.push({ name: `${method} ${path}`, method, target: path, headers: JSON_TYPE, body: '{"phone":"+15550000000"}' })
  }
  requests.push({ name: 'GET /sign_in', target: '/sign_in' })
  requests.push({ name: 'POST /messages', method: 'POST', target: `/messages?start_time=${START}`, headers: JSON_TYPE, body: '{}' })
  requests.push({ name: 'POST /health', method: 'POST', target: '/health', headers: JSON_TYPE, body: '{}' })
  requests.push({ name: 'OPTIONS /sign_in', method: 'OPTIONS', target: '/sign_in' })
  requests.push({ name: 'TRACE /messages', method: 'TRACE', target: '/messages' })
  requests.push({ name: 'PROPFIND /', method: 'PROPFIND', target: '/' })
  requests.push({ name: 'an unknown method', method: 'FROB', target: '/messages' })
  requests.push({ name: 'a lower-case method', method: 'get', target: `/messages?start_time=${START}` })
  return requests
}

function contentTypeTricks(): RawRequest[] {
  const valid = JSON.stringify({ phone: '+15550000000', password: '12345' })
  const types = [
    'text/plain', 'text/json', 'application/jsonx', 'application/x-json', 'application/json-patch+json', 'application/xml',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/octet-stream', '*/*', 'json',
    'application/', '/json', 'text/html; charset=utf-8', 'application/javascript', 'image/png',
  ]
  const requests = types.map((type) => postSignIn(`Content-Type ${type}`, valid, { 'content-type': type }))
  requests.push(postSignIn('no Content-Type with a JSON body', valid, {}))
  requests.push(postSignIn('a form body declared as JSON', 'phone=%2B15550000000&password=12345'))
  requests.push({ name: 'a multipart body', method: 'POST', target: '/sign_in', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+15550000000\r\n--b--\r\n' })
  requests.push(postSignIn('an empty body', ''))
  requests.push({ name: 'no body at all', method: 'POST', target: '/sign_in', headers: JSON_TYPE })
  return requests
}

function brokenFraming(): RawRequest[] {
  const raw = (name: string, text: string): RawRequest => ({ name, target: '', raw: Buffer.from(text, 'latin1') })
  const host = `Host: 127.0.0.1\r\nConnection: close\r\n`
  return [
    raw('Content-Length that is not a number', `POST /sign_in HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`),
    raw('two different Content-Lengths', `POST /sign_in HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`),
    raw('Content-Length with Transfer-Encoding', `POST /sign_in HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`),
    raw('a broken chunk size', `POST /sign_in HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`),
    raw('an unknown Transfer-Encoding', `POST /sign_in HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}`),
    raw('a header without a colon', `GET /health HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`),
    raw('a control character in a header', `GET /health HTTP/1.1\r\n${host}X-Bad: a\u0001b\r\n\r\n`),
    raw('a space in the request target', `GET /mess ages HTTP/1.1\r\n${host}\r\n`),
    raw('an unknown protocol version', `GET /health HTTP/9.9\r\n${host}\r\n`),
    raw('a bare LF request', `GET /health HTTP/1.1\n${host.replaceAll('\r\n', '\n')}\n`),
    raw('garbage instead of HTTP', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003garbage\r\n\r\n'),
    raw('HTTP/1.1 without Host', 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'),
  ]
}

function assertClientProblem(request: RawRequest, response: RawResponse): void {
  const label = `${request.name} → ${response.status} ${response.body.slice(0, 200)}`
  assert.ok(response.status >= 400 && response.status < 500, label)
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json\b/, label)
  const problem = JSON.parse(response.body) as { status: number, detail: unknown, code: unknown }
  assert.equal(problem.status, response.status, label)
  assert.equal(typeof problem.detail, 'string', label)
  assert.ok((problem.detail as string).length > 0, label)
  assert.equal(typeof problem.code, 'string', label)
}

async function sendAll(requests: RawRequest[]): Promise<Array<[RawRequest, RawResponse]>> {
  const answers: Array<[RawRequest, RawResponse]> = []
  for (let i = 0; i < requests.length; i += 16) {
    const batch = requests.slice(i, i + 16)
    const responses = await Promise.all(batch.map(send))
    batch.forEach((request, j) => answers.push([request, responses[j]!]))
  }
  return answers
}

test('hundreds of malformed requests are each answered 4xx with a problem detail, never 5xx', async () => {
  const requests = [
    ...malformedJson(), ...notAnObject(), ...oversized(), ...wrongTypes(), ...absurdTimes(), ...queryTricks(),
    ...pathTricks(), ...longRequests(), ...invalidUtf8(), ...wrongMethods(), ...contentTypeTricks(), ...brokenFraming(),
  ]
  assert.ok(requests.length >= 300, `only ${requests.length} cases`)
  const failures: string[] = []
  const answers = await sendAll(requests)
  for (const [request, response] of answers) {
    try {
      assertClientProblem(request, response)
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]!)
    }
  }
  assert.deepEqual(failures, [])
  // The status says why, where HTTP has a status for it.
  const statusOf = new Map(answers.map(([request, response]) => [request.name, response.status]))
  const expected: Record<string, number> = {
    'body of 1 MiB': 413,
    'chunked body over the limit': 413,
    'Content-Length far over the limit, no body sent yet': 413,
    'Content-Type text/json': 415,
    'Content-Type application/x-www-form-urlencoded': 415,
    'no Content-Type with a JSON body': 415,
    'a header of 32 KB': 431,
    'a URL of 64 KB': 431,
    'DELETE /messages': 405,
    'GET /sign_in': 405,
    'path "/docs/static/../../../../etc/passwd"': 404,
    'HTTP/1.1 without Host': 400,
    'an unknown method': 400,
    'a phone with bytes that are not UTF-8': 400,
    'start_time "-1"': 400,
    'malformed JSON #0: "{"': 400,
  }
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((name) => [name, statusOf.get(name)])), expected)
  // Nothing reached the error log: no request was a server failure.
  const errors = service.logText().split('\n').filter((line) => line.includes('"level":50'))
  assert.deepEqual(errors, [])
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted')
})

test('unknown fields are ignored as the Python service ignored them, on a body and in the query', async () => {
  const body = await send(postSignIn('unknown fields beside a phone', JSON.stringify({ phone: PHONE, unknown: 1, nested: { a: [1] } })))
  // Already signed in: any valid body is an empty 200 (docs/spec.md §3).
  assert.equal(body.status, 200)
  const query = await send(getMessages('an unknown query field', `?start_time=${START}&end_time=${END}&page_size=5&format=xml`))
  assert.equal(query.status, 200)
  assert.ok((JSON.parse(query.body) as unknown[]).length > 5)
})

test('after the barrage the service still serves, signed in', async () => {
  const health = await (await fetch(`${service.url}/health`)).json() as { authorized: boolean, telegram: string }
  assert.equal(health.authorized, true)
  const response = await fetch(`${service.url}/messages?start_time=${START}&end_time=${END}`)
  assert.equal(response.status, 200)
  const messages = await response.json() as Array<{ _: string, id: number }>
  assert.ok(messages.length > 0)
  assert.ok(messages.every((message) => message._ === 'Message'))
  assert.equal(service.gateway.status().authorized, true)
})
