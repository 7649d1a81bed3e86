/**
 * What a webhook receiver's answer means (docs/spec.md §8): 2xx acknowledges the event; 5xx, 408 and
 * 429 are "not now" and retried (honouring Retry-After); 410 Gone says the endpoint no longer
 * exists, so deliveries to it stop (as Standard Webhooks senders do); any other 4xx refuses the
 * event for good. A redirect is not followed (a POST would turn into a GET) and counts as "not now": a
 * misconfigured URL should stall the feed where it can be seen, not drop it.
 */
import type { DeliveryResult } from './sink.ts'

export function webhookOutcome(status: number, retryAfter: string | null, nowMs: number): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'delivered' }
  const reason = `HTTP ${status}`
  if (status === 410) return { kind: 'gone', reason }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'refused', reason }
  return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(retryAfter, nowMs) }
}

/**
 * RFC 9110 §10.2.3: `Retry-After: <delay-seconds>` or `Retry-After: <HTTP-date>`. Anything
 * else, or a date already past, is no advice at all.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000
  // IMF-fixdate, and the obsolete forms RFC 9110 §5.6.7 asks recipients to accept.
  if (!/^[A-Za-z]{3,9}, /.test(text) && !/^[A-Za-z]{3} [A-Za-z]{3} /.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return at > nowMs ? at - nowMs : undefined
}
