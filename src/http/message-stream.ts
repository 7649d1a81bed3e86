/**
 * Streams an async sequence of messages as a JSON array or as NDJSON, pulling one message per
 * write so memory stays flat whatever the window's size. The first message is awaited before
 * the response starts, so the errors that come first (not signed in, a long flood wait) still
 * get their own status code.
 *
 * After that the answer is a 200 that may take long (Telegram's flood waits are sat through,
 * docs/spec.md §7), so:
 * - while the next message is awaited for `keepAliveMs` (15 s), whitespace is written — JSON
 *   allows it between elements (RFC 8259 §2), and in NDJSON it goes at the end of the current
 *   line, after its value, which is why each line's newline is written just before the next
 *   value rather than after its own — so that proxies with an idle timeout (often 60 s) keep the
 *   connection;
 * - when the sequence fails, the stream is destroyed with the error, never ended: the HTTP layer
 *   then destroys the socket without the final chunk (RFC 9112 §7.1), the array stays unclosed,
 *   and no client can take the cut answer for a whole one. The client resumes after the last
 *   message it received (the `after` query parameter, src/http/resume-cursor.ts).
 */
import { Readable } from 'node:stream'
import { systemClock, type Clock } from '../clock.ts'

export type MessageFormat = 'json' | 'ndjson'

export function negotiateFormat(accept: string | undefined): MessageFormat {
  return accept !== undefined && /\bapplication\/x-ndjson\b/i.test(accept) ? 'ndjson' : 'json'
}

export interface MessageStreamOptions {
  /** How long the next message may be awaited before whitespace is written (default 15 000 ms). */
  keepAliveMs?: number | undefined
  clock?: Clock | undefined
}

export const DEFAULT_KEEP_ALIVE_MS = 15_000
const KEEP_ALIVE = ' '

class MessageStream<T> extends Readable {
  readonly #rest: AsyncIterator<T>
  readonly #serialize: (item: T) => string
  readonly #format: MessageFormat
  readonly #clock: Clock
  readonly #keepAliveMs: number
  readonly #stopTimer = new AbortController()
  #first: IteratorResult<T> | null
  #count = 0
  /** A message is being awaited from the sequence. */
  #awaiting = false
  #done = false
  #lastWriteAt: number

  constructor(first: IteratorResult<T>, rest: AsyncIterator<T>, serialize: (item: T) => string, format: MessageFormat, options: MessageStreamOptions) {
    super()
    this.#first = first
    this.#rest = rest
    this.#serialize = serialize
    this.#format = format
    this.#clock = options.clock ?? systemClock
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS
    this.#lastWriteAt = this.#clock.now()
    if (format === 'json') this.push('[')
    void this.#keepAlive()
  }

  override _read(): void {
    if (!this.#awaiting) void this.#pull()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopTimer.abort()
    // Ends the producer's own loops when the client goes away mid-stream.
    if (this.#done) return callback(error)
    this.#done = true
    Promise.resolve(this.#rest.return?.()).then(() => callback(error), () => callback(error))
  }

  async #pull(): Promise<void> {
    this.#awaiting = true
    try {
      for (;;) {
        const result = this.#first ?? (await this.#rest.next())
        this.#first = null
        if (this.destroyed) return
        if (result.done) {
          this.#done = true
          this.#stopTimer.abort()
          this.push(this.#format === 'json' ? ']' : this.#count > 0 ? '\n' : '')
          this.push(null)
          return
        }
        // JSON: "[" a "," b "]". NDJSON: a "\n" b "\n", the newline sent with the value after it.
        const separator = this.#count++ === 0 ? '' : this.#format === 'json' ? ',' : '\n'
        const more = this.push(separator + this.#serialize(result.value))
        this.#lastWriteAt = this.#clock.now()
        if (!more) return
      }
    } catch (err) {
      this.#done = true
      this.destroy(err as Error)
    } finally {
      this.#awaiting = false
    }
  }

  /** One timer per stream: whitespace once the next message has been awaited `keepAliveMs`. */
  async #keepAlive(): Promise<void> {
    const signal = this.#stopTimer.signal
    while (!signal.aborted) {
      const due = this.#lastWriteAt + this.#keepAliveMs - this.#clock.now()
      if (due > 0) {
        await this.#clock.sleep(due, { signal, keepAlive: false })
        continue
      }
      // A consumer that is not reading has bytes waiting already; whitespace would not reach it.
      if (this.#awaiting && !this.destroyed) this.push(KEEP_ALIVE)
      this.#lastWriteAt = this.#clock.now()
    }
  }
}

export async function openMessageStream<T>(
  source: AsyncIterable<T>,
  serialize: (item: T) => string,
  format: MessageFormat,
  options: MessageStreamOptions = {},
): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]()
  const first = await iterator.next()
  return new MessageStream(first, iterator, serialize, format, options)
}
