import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { displayUrl, sandboxBanner } from '../src/sandbox/sandbox-banner.ts'
import { SANDBOX_DEMO_PHONE, SANDBOX_EMAIL_SETUP_PHONE, SANDBOX_TWO_STEP, SANDBOX_UNREGISTERED_PHONE } from '../src/sandbox/sandbox-demo.ts'

const NOW = Date.parse('2026-03-10T12:34:56Z')
const facts = { url: 'http://127.0.0.1:5000', code: '12345', authorized: false, tokenRequired: false, now: NOW }

test('the banner says how to sign in with any phone and the code, where the docs are, and how to read the last week', () => {
  const banner = sandboxBanner(facts)
  assert.match(banner, /any phone number, then the code 12345/)
  assert.ok(banner.includes(`curl -X POST http://127.0.0.1:5000/sign_in -H 'Content-Type: application/json' -d '{"phone": "+1234567890", "password": "12345"}'`))
  assert.ok(banner.includes(`{"phone": "${SANDBOX_TWO_STEP.phone}", "two_factor_password": "${SANDBOX_TWO_STEP.password}"}`))
  assert.ok(banner.includes('Open http://127.0.0.1:5000/docs'))
  assert.ok(banner.includes('curl "http://127.0.0.1:5000/messages?start_time=2026-03-03T12:34:00Z"'))
  assert.ok(banner.split('\n').length <= 13, 'a few lines')
})

test('the banner and the README name the same demo numbers and password', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## The sandbox in one minute'), readme.indexOf('## A real account'))
  assert.ok(section.length > 0)
  const banner = sandboxBanner(facts)
  for (const value of [SANDBOX_DEMO_PHONE, SANDBOX_TWO_STEP.phone, SANDBOX_TWO_STEP.password]) {
    assert.ok(section.includes(value), `README: ${value}`)
    assert.ok(banner.includes(value), `banner: ${value}`)
  }
  const phonesIn = (text: string): string[] => [...new Set(text.match(/\+\d{10,11}\b/g) ?? [])].sort()
  assert.deepEqual(phonesIn(banner), [SANDBOX_DEMO_PHONE, SANDBOX_TWO_STEP.phone].sort(), 'the banner shows no other number')
  for (const phone of [SANDBOX_UNREGISTERED_PHONE, SANDBOX_EMAIL_SETUP_PHONE]) assert.ok(section.replaceAll(' ', '').includes(phone), `README: ${phone}`)
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
