/**
 * The webhook signatures (docs/spec.md §8). Every delivery carries two, over the same body:
 *
 * - Standard Webhooks (https://www.standardwebhooks.com, spec/standard-webhooks.md), which
 *   receivers verify with its libraries:
 *     webhook-id: <the event's id>        webhook-timestamp: <unix seconds>
 *     webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>
 *   The key is the bytes a `whsec_<base64>` WEBHOOK_SECRET encodes; any other WEBHOOK_SECRET
 *   is the key as its UTF-8 bytes, so a receiver's library takes `whsec_` + base64(secret)
 *   (standardWebhookKey).
 * - Our own, for receivers that verify it today, built the way payment and code-hosting
 *   webhooks sign theirs, with WEBHOOK_SECRET's text as the key:
 *     X-Connector-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * HMAC as in RFC 2104 with SHA-256. The timestamp is inside the signed text, so a receiver that
 * refuses old timestamps refuses replays too.
 */
import { createHmac } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-connector-signature'
export const STANDARD_SECRET_PREFIX = 'whsec_'

export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/

/**
 * The Standard Webhooks key of a WEBHOOK_SECRET: the bytes of a `whsec_<base64>` secret, as
 * Standard Webhooks libraries generate them; any other secret (one that merely starts with
 * `whsec_` included) as its UTF-8 bytes, so a secret that signed X-Connector-Signature before
 * keeps working.
 */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_SECRET_PREFIX) ? secret.slice(STANDARD_SECRET_PREFIX.length) : ''
  return encoded !== '' && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.from(secret, 'utf8')
}

export function standardWebhookHeaders(key: Buffer, id: string, unixSeconds: number, body: string): Record<string, string> {
  const mac = createHmac('sha256', key).update(`${id}.${unixSeconds}.${body}`, 'utf8').digest('base64')
  return { 'webhook-id': id, 'webhook-timestamp': String(unixSeconds), 'webhook-signature': `v1,${mac}` }
}
