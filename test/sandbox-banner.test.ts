import { test } from 'node:test'
import assert from 'node:assert/strict'
import { displayUrl, sandboxBanner } from '../src/sandbox-banner.ts'

const NOW = Date.parse('2026-03-10T12:34:56Z')
const facts = { url: 'http://127.0.0.1:5000', code: '12345', authorized: false, tokenRequired: false, now: NOW }

test('the banner says how to sign in with any phone and the code, where the docs are, and how to read the last week', () => {
  const banner = sandboxBanner(facts)
  assert.match(banner, /any phone number, then the code 12345/)
  assert.ok(banner.includes(`curl -X POST http://127.0.0.1:5000/sign_in -H 'Content-Type: application/json' -d '{"phone": "+15550000000", "password": "12345"}'`))
  assert.ok(banner.includes('Open http://127.0.0.1:5000/docs'))
  assert.ok(banner.includes('curl "http://127.0.0.1:5000/messages?start_time=2026-03-03T12:34:00Z"'))
  assert.ok(banner.split('\n').length <= 12, 'a few lines')
})

test('a signed-in sandbox skips the sign-in commands; with API_TOKEN the commands carry the header, never the token', () => {
  const signedIn = sandboxBanner({ ...facts, authorized: true })
  assert.match(signedIn, /Already signed in/)
  assert.doesNotMatch(signedIn, /sign_in/)
  const guarded = sandboxBanner({ ...facts, tokenRequired: true })
  assert.ok(guarded.includes('curl -H "Authorization: Bearer $API_TOKEN" "http://127.0.0.1:5000/messages'))
  assert.match(guarded, /Authorize with the API_TOKEN/)
})

test('a wildcard bind address is shown as loopback, an IPv6 one in brackets', () => {
  assert.equal(displayUrl('0.0.0.0', 5000), 'http://127.0.0.1:5000')
  assert.equal(displayUrl('::', 8080), 'http://127.0.0.1:8080')
  assert.equal(displayUrl('::1', 5000), 'http://[::1]:5000')
  assert.equal(displayUrl('[::1]', 5000), 'http://[::1]:5000')
  assert.equal(displayUrl('localhost', 5000), 'http://localhost:5000')
})
