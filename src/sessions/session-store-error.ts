/**
 * The one error type the session stores and the session record raise. Its message names the
 * store location and the reason (an errno, an S3 error name), never the content or a credential.
 */
export type SessionStoreErrorCode =
  /** The store cannot be reached (network, timeout, the service answering 5xx). */
  | 'STORE_UNAVAILABLE'
  /** The store refuses us (file permissions, S3 AccessDenied or bad credentials). */
  | 'STORE_ACCESS_DENIED'
  /** The place that holds the session does not exist (an S3 bucket, a path through a file). */
  | 'STORE_NOT_FOUND'
  /** Any other failure to read, write or remove. */
  | 'STORE_FAILED'
  /** The stored bytes are neither a session record nor a session string we can import. */
  | 'SESSION_CORRUPT'
  /** The session is encrypted and SESSION_ENCRYPTION_KEY is not set. */
  | 'SESSION_KEY_REQUIRED'
  /** The session does not decrypt with SESSION_ENCRYPTION_KEY (another key, or altered content). */
  | 'SESSION_KEY_MISMATCH'
  /** Another live instance holds the session's lease (SESSION_URL is shared): connecting too would burn the auth key. */
  | 'SESSION_LOCKED'
  /** This instance could no longer renew its lease (another instance took it, or the store stayed unreachable past its expiry). */
  | 'SESSION_LEASE_LOST'

export class SessionStoreError extends Error {
  readonly code: SessionStoreErrorCode

  constructor(code: SessionStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SessionStoreError'
    this.code = code
  }
}
