/**
 * The gateway's link to Telegram as mtcute reports it: connected, connecting or disconnected
 * (GET /health), a connection error logged once per outage rather than once per attempt, and
 * the moments the link comes back (the live feed then reads what pushes may have missed).
 */
import type { TelegramClient } from '@mtcute/node'
import type { TelegramLink } from './connector.ts'
import { Listeners } from './listeners.ts'
import { errnoOf } from '../core/logger.ts'
import type { TelegramLog } from './calls/mtcute-log.ts'

const CONNECT_POLL_MS = 20


export class TelegramConnection {
  readonly #client: TelegramClient
  #link: TelegramLink = 'disconnected'
  #closed = false
  #reportedError = false
  readonly #reconnected = new Listeners<[]>()

  constructor(client: TelegramClient, log: TelegramLog) {
    this.#client = client
    client.onConnectionState.add((state) => {
      if (this.#closed) return
      const was = this.#link
      this.#link = state === 'connected' || state === 'updating' ? 'connected' : state === 'connecting' ? 'connecting' : 'disconnected'
      if (this.#link === 'connected') this.#reportedError = false
      if (this.#link === 'connected' && was !== 'connected') this.#reconnected.emit()
    })
    client.onError.add((err) => {
      // mtcute reconnects on its own; say so once per outage, not once per attempt.
      if (this.#reportedError) return
      this.#reportedError = true
      // By message and errno (ECONNREFUSED…), under names the logger's redaction of login codes (`*.code`) leaves alone.
      log.warn({ error: err.message, errorCode: errnoOf(err) }, 'Telegram connection error; reconnecting')
    })
  }

  get link(): TelegramLink {
    return this.#closed ? 'disconnected' : this.#link
  }

  /**
   * Known unreachable: a connection error was reported and no connection has succeeded since.
   * Requests that need Telegram then fail at once (src/http/telegram-fail-fast.ts) rather than
   * each waiting for its call deadline, and /health says `degraded`.
   */
  get unreachable(): boolean {
    return !this.#closed && this.#reportedError && this.#link !== 'connected'
  }

  /** Called each time the link is up again after being down; gives the unsubscribe. */
  onReconnected(listener: () => void): () => void {
    return this.#reconnected.add(listener)
  }

  /**
   * Starts connecting and waits, at most `waitMs`, until the socket is up and the auth key
   * exists, so that the first request goes out at once: mtcute holds requests queued before then
   * for up to a second (session-connection.js onConnectionUsable), and exportSession() succeeds
   * once the key is stored. An unreachable Telegram shows in `link` instead; mtcute goes on
   * connecting in the background.
   */
  async connect(waitMs: number): Promise<void> {
    this.#link = 'connecting'
    let socketUp = false
    const onState = (state: string): void => {
      if (state === 'connected') socketUp = true
    }
    this.#client.onConnectionState.add(onState)
    try {
      await this.#client.connect()
      // Real time, not an injected clock: this waits for a network.
      const deadline = performance.now() + waitMs
      while (performance.now() < deadline) {
        if (socketUp && (await this.#client.exportSession().then(() => true, () => false))) return
        await new Promise((resolve) => setTimeout(resolve, CONNECT_POLL_MS))
      }
    } finally {
      this.#client.onConnectionState.remove(onState)
    }
  }

  /** The gateway is closing: the link reads as disconnected from now on. */
  close(): void {
    this.#closed = true
  }
}
