/**
 * No state change from another origin, and no answer for a foreign Host (DNS rebinding),
 * against the whole service over real HTTP with the headers a browser sends. The same attacks
 * run in a real browser in test/browser/cross-site.test.ts.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { OutgoingHttpHeaders } from 'node:http'
import { startService, signInWithCode, type Service } from '../helpers/service.ts'
import { rawRequest, type RawResponse } from '../helpers/raw-request.ts'
import { crossOriginRefusal } from '../../src/http/cross-origin-guard.ts'
import { hostAllowed } from '../../src/http/host-header.ts'

const PHONE = '+15557004321'
const DASHBOARD = 'https://dashboard.example.com'
let service: Service

before(async () => {
  service = await startService({
    corsOrigins: [DASHBOARD],
    allowedHosts: ['connector.internal'],
    emulator: { world: { seed: 5, channels: 3, messagesPerChannel: 5, discoverableChannels: 2, spanSeconds: 86_400, now: 1_750_000_000 } },
  })
  await signInWithCode(service.url, service.emulator, PHONE)
})
after(async () => {
  await service?.close()
})

const own = (): string => new URL(service.url).host
const send = (method: string, path: string, headers: OutgoingHttpHeaders, body?: string): Promise<RawResponse> =>
  rawRequest(`${service.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })

/** Every state-changing route, with a body each accepts. */
const WRITES: Array<[string, string, string | undefined]> = [
  ['POST', '/sign_out', undefined],
  ['POST', '/sign_in', JSON.stringify({ phone: PHONE })],
  ['POST', '/sign_in/qr', undefined],
  ['POST', '/channels', JSON.stringify({ username: 'channel_x' })],
  ['DELETE', '/channels/1', undefined],
]

/** What pages on other origins send: Fetch Metadata, a bare Origin, an opaque one, each as JSON, form and text. */
const FOREIGN: OutgoingHttpHeaders[] = [
  { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
  { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
  { origin: 'null', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://attacker.example' },
  { origin: 'null' },
  { origin: `http://${'x'}.localhost:1` },
]
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']

test('every state-changing route refuses a request from another origin with 403, however it is sent, and nothing changes', async () => {
  const channelsBefore = (await send('GET', '/channels', {})).body
  const calls = (): number[] => ['auth.logOut', 'auth.sendCode', 'auth.exportLoginToken', 'channels.joinChannel', 'channels.leaveChannel']
    .map((method) => service.emulator.faults.counters.get(method))
  const callsBefore = calls()
  for (const [method, path, body] of WRITES) {
    for (const headers of FOREIGN) {
      for (const type of CONTENT_TYPES) {
        const response = await send(method, path, { ...headers, 'content-type': type }, body ?? '')
        assert.equal(response.status, 403, `${method} ${path} ${JSON.stringify(headers)} ${type}: ${response.body}`)
        assert.equal(JSON.parse(response.body).code, 'CROSS_ORIGIN_FORBIDDEN')
      }
    }
  }
  assert.equal((await send('GET', '/me', {})).status, 200, 'still signed in')
  assert.equal((await send('GET', '/channels', {})).body, channelsBefore, 'the same channels')
  assert.deepEqual(calls(), callsBefore, 'nothing reached Telegram')
})

test('programs, the service\'s own pages and the configured origins may change state; a body is JSON or 415', async () => {
  const allowed: OutgoingHttpHeaders[] = [
    {},
    { 'sec-fetch-site': 'same-origin', origin: `http://${own()}` },
    { 'sec-fetch-site': 'none' },
    { origin: `http://${own()}` },
    { origin: DASHBOARD, 'sec-fetch-site': 'cross-site' },
  ]
  for (const headers of allowed) {
    // Already signed in: 200, changing nothing, after passing the guard.
    const response = await send('POST', '/sign_in', { ...headers, 'content-type': 'application/json' }, JSON.stringify({ phone: PHONE }))
    assert.equal(response.status, 200, `${JSON.stringify(headers)}: ${response.body}`)
    const text = await send('POST', '/sign_in', { ...headers, 'content-type': 'text/plain' }, JSON.stringify({ phone: PHONE }))
    assert.equal(text.status, 415, `${JSON.stringify(headers)} text/plain: ${text.body}`)
    const form = await send('POST', '/sign_out', { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')
    assert.equal(form.status, 415, `${JSON.stringify(headers)} form: ${form.body}`)
  }
  assert.equal((await send('GET', '/me', {})).status, 200, 'still signed in')
})

test('a Host the service was not configured with is refused with 421 before anything is read; /health answers any', async () => {
  const port = new URL(service.url).port
  for (const host of ['rebind.attacker.example', `rebind.attacker.example:${port}`, 'localhost.attacker.example', 'connector.internal.evil']) {
    const response = await send('GET', '/me', { host })
    assert.equal(response.status, 421, `${host}: ${response.body}`)
    assert.equal(JSON.parse(response.body).code, 'HOST_NOT_ALLOWED')
    assert.ok(!response.body.includes('Sandbox'), 'no account data')
    assert.equal((await send('GET', '/health', { host })).status, 200)
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `app.localhost:${port}`, '[::1]:5000', '10.1.2.3', 'connector.internal', 'Connector.Internal.:80']) {
    const response = await send('GET', '/me', { host })
    assert.equal(response.status, 200, `${host}: ${response.body}`)
  }
})

test('the decisions, as pure functions', () => {
  assert.equal(crossOriginRefusal({}, []), null)
  assert.equal(crossOriginRefusal({ host: 'a:1', origin: 'http://a:1' }, []), null)
  assert.notEqual(crossOriginRefusal({ host: 'a:1', origin: 'http://a:2' }, []), null)
  assert.notEqual(crossOriginRefusal({ host: 'a:1', origin: 'http://a:1', 'sec-fetch-site': 'same-site' }, []), null)
  assert.equal(crossOriginRefusal({ origin: 'http://b', 'sec-fetch-site': 'cross-site' }, ['http://b']), null)
  assert.equal(hostAllowed('anything.example', ['*']), true)
  assert.equal(hostAllowed('[fe80::1]:80', []), true)
  assert.equal(hostAllowed('example.com', ['example.org']), false)
})
