/**
 * The webhook signature (docs/spec.md §8), built the way payment and code-hosting webhooks sign theirs:
 *
 *   X-Connector-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * HMAC as in RFC 2104 with SHA-256. The timestamp is inside the signed text, so a receiver that
 * refuses old timestamps refuses replays too, and `v1` names the scheme so that another can be
 * added beside it later without breaking receivers.
 */
import { createHmac } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-connector-signature'

export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}
