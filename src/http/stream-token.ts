/**
 * Stream tokens: how a browser opens the live feed when API_TOKEN is set. `EventSource` cannot
 * send an `Authorization` header, and the long-lived token must not go into a URL, where access
 * logs, proxies and histories keep it. So an authenticated `POST /messages/live/token` mints a
 * token that
 *
 * - is accepted on `GET /messages/live` alone, as `?stream_token=`, never as a bearer token;
 * - expires after a few minutes (a reconnecting EventSource may reuse it until then);
 * - is an HMAC over its purpose and expiry under a key drawn at start, so nothing is stored and
 *   a restart invalidates every token; it carries no part of API_TOKEN.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const STREAM_TOKEN_TTL_SECONDS = 300
const PURPOSE = 'GET /messages/live'
const PREFIX = 'st1.'

export interface StreamToken {
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

export class StreamTokens {
  readonly #key: Buffer
  readonly #now: () => number
  readonly #ttlMs: number

  constructor(now: () => number, ttlSeconds = STREAM_TOKEN_TTL_SECONDS, key: Buffer = randomBytes(32)) {
    this.#now = now
    this.#ttlMs = ttlSeconds * 1000
    this.#key = key
  }

  mint(): StreamToken {
    const expiresAt = this.#now() + this.#ttlMs
    return { token: `${PREFIX}${expiresAt.toString(36)}.${this.#mac(expiresAt).toString('base64url')}`, expiresAt }
  }

  /** Whether `token` is one this process minted and has not expired. */
  verify(token: string | undefined): boolean {
    const match = token === undefined ? null : /^st1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token)
    if (match === null) return false
    const expiresAt = parseInt(match[1]!, 36)
    const presented = Buffer.from(match[2]!, 'base64url')
    return timingSafeEqual(presented, this.#mac(expiresAt)) && this.#now() < expiresAt
  }

  #mac(expiresAt: number): Buffer {
    return createHmac('sha256', this.#key).update(`${PURPOSE}\n${expiresAt}`).digest()
  }
}
