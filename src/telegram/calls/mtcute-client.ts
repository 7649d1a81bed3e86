/**
 * Builds the mtcute `TelegramClient` the gateway owns. The session lives in OUR store
 * (src/sessions), so mtcute keeps its state in memory only and is handed a string session.
 *
 * Choices that matter:
 * - `MemoryStorage` and `cleanup: false`: no sqlite file, and no SIGINT/SIGTERM handlers of
 *   mtcute's own (it would re-raise the signal before src/main.ts saves the session).
 * - Updates on (https://core.telegram.org/api/updates), for the live feed (src/live): mtcute's
 *   update manager orders pushes by pts and fills gaps with getChannelDifference. `catchUp`
 *   makes it listen from the moment the loop starts rather than after its first getState (a
 *   push in between would be lost), and `onChannelTooLong` hands a channel whose gap Telegram
 *   will not replay to the live feed, which reads the missed posts from history; mtcute would
 *   otherwise pass on only the newest messages. History reads are plain RPCs either way.
 * - Network middlewares without mtcute's flood waiter: flood waits surface as errors so that
 *   src/telegram decides (channel-history waits short ones out, sign-in passes them on as 429);
 *   Telegram's internal errors (5xx, -503) are retried a bounded number of times, not forever.
 * - mtcute's logger is routed to ours at warn level, redacted (mtcute-log.ts): some of its warn
 *   lines dump TL objects and bytes, and only their type names are kept.
 */
import { MemoryStorage, networkMiddlewares } from '@mtcute/core'
import { TelegramClient } from '@mtcute/node'
import { NodeCryptoProvider, addPublicKey } from '@mtcute/node/utils.js'
import { DEFAULT_CUSTOM_DC_ID } from './dc-addresses.ts'
import { MTCUTE_LOG_WARN, routeMtcuteLog, type TelegramLog } from './mtcute-log.ts'

export interface MtcuteClientOptions {
  apiId: number
  apiHash: string
  /** An MTProto server to use instead of Telegram's production DCs (docs/spec.md §2 `TELEGRAM_DC`). */
  dc?: { host: string; port: number; id?: number } | undefined
  /** That server's RSA public key, PKCS#1 PEM (docs/spec.md §2 `TELEGRAM_PUBLIC_KEY`). */
  publicKeyPem?: string | undefined
  log: TelegramLog
  /** Telegram answered channelDifferenceTooLong for this channel (bare id). */
  onChannelTooLong?: ((channelId: number) => void) | undefined
  /** How often mtcute retries Telegram's internal errors before giving up. */
  internalErrorRetries?: number
}


export function createMtcuteClient(options: MtcuteClientOptions): TelegramClient {
  if (options.publicKeyPem !== undefined) {
    // mtcute keeps server keys in a module-level table keyed by fingerprint; adding the same key
    // again is harmless.
    addPublicKey(new NodeCryptoProvider(), options.publicKeyPem)
  }
  const dc = options.dc
  const client = new TelegramClient({
    apiId: options.apiId,
    apiHash: options.apiHash,
    storage: new MemoryStorage(),
    storageOptions: { cleanup: false },
    updates: {
      catchUp: true,
      onChannelTooLong: (channelId) => options.onChannelTooLong?.(channelId),
    },
    logLevel: MTCUTE_LOG_WARN,
    network: {
      middlewares: [networkMiddlewares.internalErrorsHandler({ maxRetries: options.internalErrorRetries ?? 2 })],
    },
    ...(dc === undefined
      ? {}
      : {
          // mtcute requires main and media to share the id; a session that names a DC overrides this.
          defaultDcs: {
            main: { id: dc.id ?? DEFAULT_CUSTOM_DC_ID, ipAddress: dc.host, port: dc.port },
            media: { id: dc.id ?? DEFAULT_CUSTOM_DC_ID, ipAddress: dc.host, port: dc.port, mediaOnly: true },
          },
        }),
  })
  routeMtcuteLog(client, options.log)
  return client
}
