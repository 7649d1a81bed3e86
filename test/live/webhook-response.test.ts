import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRetryAfter, webhookOutcome } from '../../src/live/sinks/webhook-response.ts'
import { Webhook } from 'standardwebhooks'
import { standardWebhookHeaders, standardWebhookKey, webhookSignature } from '../../src/live/sinks/webhook-signature.ts'
import { webhookBody } from '../../src/live/sinks/webhook-sink.ts'
import { MAX_RETRY_AFTER_MS, retryDelay } from '../../src/live/sinks/retry-delay.ts'

const NOW = Date.UTC(2025, 6, 1, 12, 0, 0)

test('a 2xx answer acknowledges the event', () => {
  for (const status of [200, 201, 202, 204, 299]) assert.deepEqual(webhookOutcome(status, null, NOW), { kind: 'delivered' })
})

test('5xx, 408, 429 and redirects are retried; every other 4xx refuses the event', () => {
  for (const status of [500, 502, 503, 504, 599, 408, 429, 301, 302, 307, 308]) {
    assert.equal(webhookOutcome(status, null, NOW).kind, 'retry', `status ${status}`)
  }
  for (const status of [400, 401, 403, 404, 405, 409, 413, 415, 422, 451]) {
    assert.deepEqual(webhookOutcome(status, null, NOW), { kind: 'refused', reason: `HTTP ${status}` })
  }
})

test('410 Gone says the endpoint is gone: deliveries to it stop', () => {
  assert.deepEqual(webhookOutcome(410, null, NOW), { kind: 'gone', reason: 'HTTP 410' })
})

test('the Standard Webhooks headers are what the standardwebhooks library signs, with the key a WEBHOOK_SECRET maps to', () => {
  const body = '{"event":"message","id":"c1","data":{"id":1}}'
  const generated = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
  for (const [secret, librarySecret] of [
    [generated, generated],
    ['plain-secret', `whsec_${Buffer.from('plain-secret').toString('base64')}`],
    ['whsec_not_base64!', `whsec_${Buffer.from('whsec_not_base64!').toString('base64')}`],
  ] as const) {
    const headers = standardWebhookHeaders(standardWebhookKey(secret), 'msg_c1', 1751371200, body)
    assert.deepEqual(Object.keys(headers), ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    assert.equal(headers['webhook-id'], 'msg_c1')
    assert.equal(headers['webhook-timestamp'], '1751371200')
    assert.equal(headers['webhook-signature'], new Webhook(librarySecret).sign('msg_c1', new Date(1751371200_000), body), secret)
  }
  // Known answer: printf '%s' 'msg_c1.1751371200.<body>' | openssl dgst -sha256 -hmac plain-secret -binary | base64
  assert.equal(standardWebhookHeaders(Buffer.from('plain-secret'), 'msg_c1', 1751371200, body)['webhook-signature'], 'v1,pWPhb1rewuBHkLqwcTbXGA4T4w3sgDX5xZF34qthOhQ=')
})

test('Retry-After is read as seconds or as an HTTP date (RFC 9110 §10.2.3)', () => {
  assert.equal(parseRetryAfter('7', NOW), 7_000)
  assert.equal(parseRetryAfter(' 120 ', NOW), 120_000)
  assert.equal(parseRetryAfter('Tue, 01 Jul 2025 12:00:30 GMT', NOW), 30_000)
  assert.equal(parseRetryAfter('Tuesday, 01-Jul-25 12:01:00 GMT', NOW), 60_000)
  assert.equal(parseRetryAfter('Tue Jul  1 12:00:05 2025', NOW), 5_000)
  assert.equal(parseRetryAfter('Tue, 01 Jul 2025 11:00:00 GMT', NOW), undefined, 'a date already past')
  for (const junk of ['', 'soon', '-5', '1.5', '2025-07-01T12:00:30Z']) assert.equal(parseRetryAfter(junk, NOW), undefined, junk)
  assert.equal(parseRetryAfter(null, NOW), undefined)
  assert.deepEqual(webhookOutcome(503, '3', NOW), { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 3_000 })
})

test('backoff doubles from one second to a minute, half of each step random', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000 }
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => retryDelay(policy, attempt, 0)), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
  assert.deepEqual([1, 2, 7, 1000].map((attempt) => retryDelay(policy, attempt, 0.999999)), [1_000, 2_000, 60_000, 60_000])
  assert.equal(retryDelay(policy, 3, 0.5), 3_000)
})

test('a Retry-After replaces the backoff, up to an hour', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000 }
  assert.equal(retryDelay(policy, 9, 0.5, 7_000), 7_000)
  assert.equal(retryDelay(policy, 1, 0.5, 90_000), 90_000)
  assert.equal(retryDelay(policy, 1, 0.5, 86_400_000), MAX_RETRY_AFTER_MS)
  assert.equal(retryDelay(policy, 1, 0.5, 0), 750, 'Retry-After: 0 is no reason to spin')
})

test('the signature is the hex HMAC-SHA256 of "<t>.<body>" under the secret (known answer)', () => {
  const body = '{"event":"message","id":"c1","data":{"id":1}}'
  // printf '%s' '1751371200.<body>' | openssl dgst -sha256 -hmac whsec_test
  assert.equal(webhookSignature('whsec_test', 1751371200, body), 't=1751371200,v1=eb07fba1b779a3b4b3d7501393771f6d92a10985df2a5b93316161664a39dfa3')
})

test('the body carries event, id and the data exactly as the feed wrote it', () => {
  const json = '{"_":"Message","id":5,"grouped_id":-9123372036854775807}'
  const body = webhookBody({ id: 'cur"sor', eventId: '7:5:edit:9', event: 'edit', channelId: 7, data: {}, json, date: 0 })
  assert.equal(body, `{"event":"edit","id":"cur\\"sor","data":${json}}`)
})
