/**
 * API_TOKEN (docs/spec.md §2): with a token set, every endpoint but /health (and the documentation,
 * whose "Authorize" button is where a person enters the token) needs
 * `Authorization: Bearer <token>` (RFC 6750 §2.1); anything else is a 401 problem with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3). Checked over real HTTP against the whole service.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { tokenMatches } from '../../src/http/bearer-auth.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { assertProblem } from '../helpers/problem.ts'

const TOKEN = 'tok_5f1c0a9e7b3d4e2a8c6b1d0f'
const PHONE = '+15557001234'
const NOW = 1_750_000_000
const WINDOW = `start_time=${new Date((NOW - 2 * 86_400) * 1000).toISOString()}&end_time=${new Date(NOW * 1000).toISOString()}`

let service: Service

before(async () => {
  service = await startService({
    apiToken: TOKEN,
    metrics: createServiceMetrics({ processMetrics: false }),
    emulator: { world: { seed: 7, channels: 2, messagesPerChannel: 20, spanSeconds: 86_400, now: NOW } },
  })
})
after(async () => {
  await service?.close()
})

const bearer = { authorization: `Bearer ${TOKEN}` }

/** Header values that must all be refused: absent, wrong, or not a bearer credential. */
const REFUSED_AUTHORIZATION: Array<string | undefined> = [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  `Bearer ${TOKEN}x`,
  `Bearer ${TOKEN.slice(0, -1)}`,
  `Bearer ${TOKEN.toUpperCase()}`,
  `Bearer ${TOKEN} ${TOKEN}`,
  `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
  `Token ${TOKEN}`,
  TOKEN,
  `Bearer"${TOKEN}"`,
  `Bearer x${TOKEN}`,
]

async function assertRefused(response: Response): Promise<void> {
  const problem = await assertProblem(response, 401, 'UNAUTHORIZED')
  assert.equal(response.headers.get('www-authenticate'), 'Bearer')
  assert.ok(!problem.detail.includes(TOKEN), 'the detail never echoes a token')
}

function request(path: string, authorization: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (authorization !== undefined) headers.set('authorization', authorization)
  return fetch(`${service.url}${path}`, { ...init, headers })
}

test('GET /messages, POST /sign_in and GET /metrics refuse a missing, wrong or malformed token with 401 and WWW-Authenticate', async () => {
  const signInInit: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: PHONE }) }
  for (const authorization of REFUSED_AUTHORIZATION) {
    await assertRefused(await request(`/messages?${WINDOW}`, authorization))
    await assertRefused(await request('/sign_in', authorization, signInInit))
    await assertRefused(await request('/metrics', authorization))
  }
  // Nothing reached Telegram: the refused sign-ins asked for no code.
  assert.equal(service.emulator.faults.counters.get('auth.sendCode'), 0)
})

test('routes that do not exist are refused before they are looked up, so the API cannot be mapped without the token', async () => {
  await assertRefused(await request('/nothing/here', undefined))
  await assertRefused(await request('/messages', undefined, { method: 'DELETE' }))
  // Path tricks that name a public path first still lead elsewhere: they are not public.
  await assertRefused(await request(`/health/../messages?${WINDOW}`, undefined))
  await assertRefused(await request(`//messages?${WINDOW}`, undefined))
  await assertRefused(await request(`/HEALTH`, undefined))
  await assertRefused(await request(`/health%2F..%2Fmessages?${WINDOW}`, undefined))
  // A path under /docs is served by the documentation's file server, never by the API routes.
  const underDocs = await request(`/docs/../messages?${WINDOW}`, undefined)
  assert.ok(underDocs.status >= 400 && underDocs.status < 500, `got ${underDocs.status}`)
  assert.ok(!(await underDocs.text()).includes('"peer_id"'))
  // With the token the unknown route is an ordinary 404.
  await assertProblem(await request('/nothing/here', bearer.authorization), 404, 'NOT_FOUND')
})

test('GET /health answers without a token and reveals no account data', async () => {
  const response = await request('/health', undefined)
  assert.equal(response.status, 200)
  const body = await response.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['authorized', 'sandbox', 'status', 'telegram'])
  // A wrong token on a public path is not an error either.
  assert.equal((await request('/health', 'Bearer wrong')).status, 200)
})

test('with the token, signing in and reading messages work, and the bearer scheme is case-insensitive', async () => {
  assert.equal((await signIn(service.url, { phone: PHONE }, bearer)).status, 206)
  const code = service.emulator.lastCode(PHONE)
  assert.ok(code)
  assert.equal((await signIn(service.url, { phone: PHONE, password: code }, { authorization: `bearer ${TOKEN}` })).status, 200)
  const messages = await request(`/messages?${WINDOW}`, `BEARER ${TOKEN}`)
  assert.equal(messages.status, 200)
  const list = await messages.json() as Array<{ _: string }>
  assert.ok(list.length > 0)
  assert.ok(list.every((message) => message._ === 'Message'))
  const metrics = await request('/metrics', bearer.authorization)
  assert.equal(metrics.status, 200)
  assert.match(await metrics.text(), /^telegram_rpc_calls_total\{method="messages\.getHistory"\} [1-9]/m)
  // Still refused without it, now that the account is signed in.
  await assertRefused(await request(`/messages?${WINDOW}`, undefined))
})

test('the documentation is public and the OpenAPI document declares the bearer scheme, so Swagger UI offers "Authorize"', async () => {
  const docs = await request('/docs/', undefined)
  assert.equal(docs.status, 200)
  assert.match(docs.headers.get('content-type') ?? '', /text\/html/)
  const response = await request('/openapi.json', undefined)
  assert.equal(response.status, 200)
  const document = await response.json() as {
    components: { securitySchemes?: Record<string, { type: string, scheme: string }> }
    security?: Array<Record<string, unknown[]>>
    paths: Record<string, Record<string, { security?: unknown[] }>>
  }
  assert.deepEqual(document.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })
  assert.deepEqual(document.security, [{ bearer: [] }])
  // /health says it needs nothing, overriding the document-wide requirement.
  assert.deepEqual(document.paths['/health']?.get?.security, [])
  assert.equal(document.paths['/messages']?.get?.security, undefined)
  // Swagger UI's own copy of the document (what the page loads) carries the scheme too.
  const uiDocument = await (await request('/docs/json', undefined)).json() as { components: { securitySchemes?: unknown } }
  assert.deepEqual(uiDocument.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })
})

test('token comparison accepts exactly the configured token, whatever the lengths presented', () => {
  assert.equal(tokenMatches(TOKEN, `Bearer ${TOKEN}`), true)
  assert.equal(tokenMatches(TOKEN, `Bearer   ${TOKEN}  `), true)
  for (const authorization of REFUSED_AUTHORIZATION) assert.equal(tokenMatches(TOKEN, authorization), false, String(authorization))
  assert.equal(tokenMatches(TOKEN, `Bearer ${'x'.repeat(10_000)}`), false)
})
