/**
 * CORS_ORIGINS and stream tokens over real HTTP: preflights from a listed origin answered
 * before authentication, answers readable there and not elsewhere; with API_TOKEN, a stream
 * token minted by an authenticated POST opens GET /messages/live (read with the `eventsource`
 * package, sending no Authorization) and nothing else, expires, and never reaches the log.
 * A real browser does the same in test/browser/live-feed.test.ts.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startService, signInWithCode, type Service } from '../helpers/service.ts'
import { rawRequest } from '../helpers/raw-request.ts'
import { openLive } from '../helpers/live-client.ts'
import { StreamTokens } from '../../src/http/stream-token.ts'
import { loggableUrl } from '../../src/core/logger.ts'

const TOKEN = 'tok_cors_9d8c7b6a5f4e3d2c'
const DASHBOARD = 'http://dashboard.localhost:8080'
const NOW_S = Math.floor(Date.now() / 1000)
let service: Service

before(async () => {
  service = await startService({
    apiToken: TOKEN,
    corsOrigins: [DASHBOARD],
    emulator: { world: { seed: 31, channels: 2, messagesPerChannel: 10, spanSeconds: 3600, now: NOW_S } },
  })
  await signInWithCode(service.url, service.emulator, '+15557005555', { authorization: `Bearer ${TOKEN}` })
})
after(async () => {
  await service?.close()
})

test('a preflight from a listed origin is answered 204 without a token; another origin gets no CORS headers', async () => {
  const preflight = await rawRequest(`${service.url}/messages/live/token`, {
    method: 'OPTIONS',
    headers: { origin: DASHBOARD, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  })
  assert.equal(preflight.status, 204)
  assert.equal(preflight.headers['access-control-allow-origin'], DASHBOARD)
  assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/)
  assert.match(String(preflight.headers['access-control-allow-methods']), /POST/)
  const other = await rawRequest(`${service.url}/messages/live/token`, {
    method: 'OPTIONS',
    headers: { origin: 'http://elsewhere.localhost:8080', 'access-control-request-method': 'POST' },
  })
  assert.equal(other.headers['access-control-allow-origin'], undefined)
  const me = await rawRequest(`${service.url}/me`, { headers: { origin: DASHBOARD, authorization: `Bearer ${TOKEN}` } })
  assert.equal(me.status, 200)
  assert.equal(me.headers['access-control-allow-origin'], DASHBOARD)
  assert.match(String(me.headers.vary), /Origin/)
})

test('a stream token opens the live feed with no Authorization header, and nothing else', async () => {
  const minted = await fetch(`${service.url}/messages/live/token`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, origin: DASHBOARD } })
  assert.equal(minted.status, 201)
  assert.equal(minted.headers.get('access-control-allow-origin'), DASHBOARD)
  const { token, expires } = (await minted.json()) as { token: string, expires: string }
  assert.ok(Date.parse(expires) > Date.now())
  assert.equal((await fetch(`${service.url}/messages/live/token`, { method: 'POST' })).status, 401, 'minting needs the bearer token')

  const live = openLive(service.url, { query: `stream_token=${encodeURIComponent(token)}` })
  try {
    await live.opened()
    const channel = service.emulator.world.channels[0]!
    const id = channel.log.nextId()
    service.emulator.post(channel.id, 'through a stream token')
    const [event] = await live.next(1)
    assert.equal(event!.data.id, id)
  } finally {
    live.close()
  }
  // Good for the live feed alone: not as a bearer token, not on another route.
  assert.equal((await fetch(`${service.url}/me?stream_token=${encodeURIComponent(token)}`)).status, 401)
  assert.equal((await fetch(`${service.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401)
  assert.equal((await fetch(`${service.url}/messages/live?stream_token=${encodeURIComponent(token.slice(0, -2))}AA`)).status, 401)
  assert.ok(!service.logText().includes(token.split('.')[2]!), 'the token never reaches the log')
  assert.match(service.logText(), /stream_token=\[redacted\]/)
})

test('a stream token expires, and one from another process (another key) is refused', () => {
  let now = 1_000_000
  const tokens = new StreamTokens(() => now, 300)
  const { token, expiresAt } = tokens.mint()
  assert.equal(expiresAt, 1_300_000)
  assert.equal(tokens.verify(token), true)
  now = 1_299_999
  assert.equal(tokens.verify(token), true)
  now = 1_300_000
  assert.equal(tokens.verify(token), false)
  assert.equal(new StreamTokens(() => 0).verify(new StreamTokens(() => 0).mint().token), false)
  for (const bad of [undefined, '', 'st1.', 'st1.zz.', `${token}x`]) assert.equal(tokens.verify(bad), false)
  assert.equal(loggableUrl('/messages/live?a=1&stream_token=st1.x.y&b=2'), '/messages/live?a=1&stream_token=[redacted]&b=2')
})
