/**
 * The webhook sink (SPEC §8): each live event is POSTed to WEBHOOK_URL as one JSON document
 *
 *   {"event":"message"|"edit"|"delete","id":"<cursor>","data":<the SSE data>}
 *
 * signed with WEBHOOK_SECRET (webhook-signature.ts); the receiver's answer is read by
 * webhook-response.ts. The cursor of the last event delivery passed is kept in the session
 * store (sink-cursor.ts), so a restart resumes right after the last acknowledged event.
 */
import type { BlobStore } from '../../sessions/blob-store.ts'
import { systemClock, type LeaseClock } from '../../sessions/lease-clock.ts'
import type { LiveEvent } from '../live-feed.ts'
import type { DeliveryResult, Sink } from './sink.ts'
import { decodeSinkCursor, encodeSinkCursor } from './sink-cursor.ts'
import { webhookOutcome } from './webhook-response.ts'
import { SIGNATURE_HEADER, webhookSignature } from './webhook-signature.ts'

/** The store object beside the session that holds the webhook's cursor. */
export const WEBHOOK_CURSOR_OBJECT = '.webhook-cursor'

export interface WebhookSinkOptions {
  url: string
  secret: string
  timeoutMs: number
  /** The session store; in the service, the lease-fenced one (src/sessions/fenced-store.ts). */
  store: BlobStore
  /** SESSION_ENCRYPTION_KEY: the cursor is stored as the session is. */
  storeKey: Buffer | null
  /** Gives the signature's timestamp. */
  clock?: LeaseClock | undefined
}

/** The body of one delivery. `json` is spliced in as it is, so 64-bit integers stay exact. */
export function webhookBody(event: LiveEvent): string {
  return `{"event":${JSON.stringify(event.event)},"id":${JSON.stringify(event.id)},"data":${event.json}}`
}

/** A short, secret-free reason for a failed request: the socket error's code, or the timeout. */
function failureReason(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout'
  const cause = (err as { cause?: { code?: unknown } }).cause
  if (typeof cause?.code === 'string') return cause.code
  return (err as Error).name ?? 'request failed'
}

export class WebhookSink implements Sink {
  readonly name = 'webhook' as const
  readonly #target: string
  readonly #authorization: string | null
  readonly #options: WebhookSinkOptions
  readonly #clock: LeaseClock
  readonly #inFlight = new Set<AbortController>()
  #reachable = true

  constructor(options: WebhookSinkOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    // fetch refuses URLs with user info; it becomes Basic authentication (RFC 7617), as a
    // browser or curl would send it.
    const url = new URL(options.url)
    this.#authorization = url.username === '' && url.password === ''
      ? null
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    url.username = ''
    url.password = ''
    this.#target = url.href
  }

  /** Where deliveries go, for logs: the host alone (the path or query may carry a token). */
  describe(): string {
    return new URL(this.#target).host
  }

  async open(): Promise<string | null> {
    const { store, storeKey } = this.#options
    const stored = await store.read(WEBHOOK_CURSOR_OBJECT)
    return stored === null ? null : decodeSinkCursor(storeKey, stored, `${store.describe()}${WEBHOOK_CURSOR_OBJECT}`)
  }

  async deliver(event: LiveEvent): Promise<DeliveryResult> {
    const body = webhookBody(event)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'telegram-connector',
      [SIGNATURE_HEADER]: webhookSignature(this.#options.secret, Math.floor(this.#clock.now() / 1000), body),
    }
    if (this.#authorization !== null) headers.authorization = this.#authorization
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.#options.timeoutMs)
    this.#inFlight.add(controller)
    try {
      const response = await fetch(this.#target, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal })
      // Read to the end, so that the connection can be kept alive for the next delivery.
      await response.arrayBuffer()
      this.#reachable = true
      return webhookOutcome(response.status, response.headers.get('retry-after'), this.#clock.now())
    } catch (err) {
      this.#reachable = false
      return { kind: 'retry', reason: failureReason(err, timedOut) }
    } finally {
      clearTimeout(timer)
      this.#inFlight.delete(controller)
    }
  }

  async commit(event: LiveEvent): Promise<void> {
    const { store, storeKey } = this.#options
    await store.write(WEBHOOK_CURSOR_OBJECT, encodeSinkCursor(storeKey, event.id))
  }

  reachable(): boolean {
    return this.#reachable
  }

  async close(): Promise<void> {
    for (const controller of this.#inFlight) controller.abort()
  }
}
