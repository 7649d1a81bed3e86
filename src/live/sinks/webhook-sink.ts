/**
 * The webhook sink (docs/spec.md §8): each live event is POSTed to WEBHOOK_URL as one JSON document
 *
 *   {"event":"message"|"edit"|"delete","id":"<cursor>","data":<the SSE data>}
 *
 * signed with WEBHOOK_SECRET twice, Standard Webhooks and X-Connector-Signature
 * (webhook-signature.ts); the receiver's answer is read by
 * webhook-response.ts. The cursor of the last event delivery passed is kept in the session
 * store (sink-cursor.ts), so a restart resumes right after the last acknowledged event. A
 * store write takes longer than a POST on a fast receiver, so while one is in flight the
 * acknowledgements that follow are folded into the next write: the stored cursor trails the
 * acknowledged one by at most that write, and never passes an unacknowledged event. Before the
 * receiver has acknowledged anything, the stored cursor is where the sink began (`begin`).
 */
import { errnoOf } from '../../core/logger.ts'
import type { BlobStore } from '../../sessions/blob-store.ts'
import { systemClock, type Clock } from '../../core/clock.ts'
import type { LiveEvent } from '../live-feed.ts'
import { HttpPoster, PostFailure } from './http-post.ts'
import type { DeliveryResult, Sink, SinkLog } from './sink.ts'
import { decodeSinkCursor, encodeSinkCursor } from './sink-cursor.ts'
import { webhookOutcome } from './webhook-response.ts'
import { SIGNATURE_HEADER, standardWebhookHeaders, standardWebhookKey, webhookSignature } from './webhook-signature.ts'
import { deliveryId } from './delivery-id.ts'

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
  clock?: Clock | undefined
  /** Where a failed cursor write is said. */
  log?: SinkLog | undefined
}

/** The body of one delivery. `json` is spliced in as it is, so 64-bit integers stay exact. */
export function webhookBody(event: LiveEvent): string {
  return `{"event":${JSON.stringify(event.event)},"id":${JSON.stringify(event.id)},"data":${event.json}}`
}

export class WebhookSink implements Sink {
  readonly name = 'webhook' as const
  readonly #host: string
  readonly #authorization: string | null
  readonly #options: WebhookSinkOptions
  readonly #clock: Clock
  readonly #poster: HttpPoster
  readonly #standardKey: Buffer
  #reachable = true
  /** The latest cursor to store, the one stored last, and the write under way. */
  #latest: string | null = null
  #stored: string | null = null
  #writing: Promise<void> | null = null

  constructor(options: WebhookSinkOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    // User info in the URL becomes Basic authentication (RFC 7617), as curl sends it.
    const url = new URL(options.url)
    this.#authorization = url.username === '' && url.password === ''
      ? null
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    url.username = ''
    url.password = ''
    this.#host = url.host
    this.#poster = new HttpPoster(url.href)
    this.#standardKey = standardWebhookKey(options.secret)
  }

  /** Where deliveries go, for logs: the host alone (the path or query may carry a token). */
  describe(): string {
    return this.#host
  }

  async open(): Promise<string | null> {
    const { store, storeKey } = this.#options
    const stored = await store.read(WEBHOOK_CURSOR_OBJECT)
    return stored === null ? null : decodeSinkCursor(storeKey, stored, `${store.describe()}${WEBHOOK_CURSOR_OBJECT}`)
  }

  /** The stored cursor: where the sink began, until the receiver acknowledges an event. */
  started(): Promise<string | null> {
    return this.open()
  }

  /** The start is the stored cursor until the receiver acknowledges an event. */
  async begin(cursor: string): Promise<void> {
    const { store, storeKey } = this.#options
    await store.write(WEBHOOK_CURSOR_OBJECT, encodeSinkCursor(storeKey, cursor))
    this.#stored = cursor
  }

  async deliver(event: LiveEvent, signal: AbortSignal): Promise<DeliveryResult> {
    const body = webhookBody(event)
    const seconds = Math.floor(this.#clock.now() / 1000)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'telegram-connector',
      ...standardWebhookHeaders(this.#standardKey, deliveryId(event), seconds, body),
      [SIGNATURE_HEADER]: webhookSignature(this.#options.secret, seconds, body),
    }
    if (this.#authorization !== null) headers.authorization = this.#authorization
    try {
      const answer = await this.#poster.post(headers, body, this.#options.timeoutMs, signal)
      this.#reachable = true
      const retryAfter = answer.headers['retry-after']
      return webhookOutcome(answer.status, typeof retryAfter === 'string' ? retryAfter : null, this.#clock.now())
    } catch (err) {
      const reason = err instanceof PostFailure ? err.reason : 'request failed'
      if (reason !== 'stopped') this.#reachable = false
      return { kind: 'retry', reason }
    }
  }

  commit(event: LiveEvent): Promise<void> {
    this.#latest = event.id
    this.#writing ??= this.#writeLatest()
    return Promise.resolve()
  }

  reachable(): boolean {
    return this.#reachable
  }

  async close(): Promise<void> {
    await this.#writing
    this.#poster.close()
  }

  /** Writes the latest cursor until the stored one is the latest; a failure waits for the next commit. */
  async #writeLatest(): Promise<void> {
    const { store, storeKey, log } = this.#options
    try {
      while (this.#latest !== null && this.#latest !== this.#stored) {
        const cursor = this.#latest
        await store.write(WEBHOOK_CURSOR_OBJECT, encodeSinkCursor(storeKey, cursor))
        this.#stored = cursor
      }
    } catch (err) {
      // The next commit carries a later cursor: a failure costs at most a re-delivery after a
      // restart, never a gap, so delivery goes on.
      log?.warn({ sink: this.name, err: { message: (err as Error).message, errorCode: errnoOf(err) } }, 'could not save the delivery cursor; a restart may deliver some events again')
    } finally {
      this.#writing = null
    }
  }
}
