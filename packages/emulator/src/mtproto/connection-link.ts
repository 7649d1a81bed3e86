/** What the session layer may do with the connection a message arrived on; server.ts implements it over a socket. */
export interface ConnectionLink {
  readonly id: number
  readonly open: boolean
  /** Frames and writes one MTProto payload. */
  send(payload: Buffer): void
  /** Sends a transport error (e.g. -404) and closes. */
  fail(code: number): void
  /** Closes without a word. */
  drop(): void
  /** ping_delay_disconnect: close after `seconds` unless called again (0 cancels). */
  disconnectAfter(seconds: number): void
}
