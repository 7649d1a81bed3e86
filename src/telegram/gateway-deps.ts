/**
 * What the gateway is opened with: where Telegram is (the configured DCs and key, or the
 * sandbox's), the session store, and the limits and clocks a test may shorten.
 */
import type { Clock } from '../core/clock.ts'
import type { ChannelMetrics, SessionMetrics, TelegramMetrics } from '../metrics/service-metrics.ts'
import type { BlobStore } from '../sessions/blob-store.ts'
import type { DcEndpoint } from './calls/dc-addresses.ts'
import type { TelegramLog } from './calls/mtcute-log.ts'

export interface TelegramSettings {
  apiId: number
  apiHash: string
  /** A custom MTProto server: the DC a new sign-in starts on (id 2 unless given). */
  dc?: { host: string; port: number; id?: number } | undefined
  /** Addresses of DCs by id; each replaces the address a stored session names for that DC (dc-addresses.ts). */
  dcAddresses?: Readonly<Record<number, DcEndpoint>> | undefined
  publicKeyPem?: string | undefined
}

export interface GatewayDeps {
  store: BlobStore
  /** SESSION_ENCRYPTION_KEY, or null/absent to keep the record in clear. */
  sessionKey?: Buffer | null | undefined
  telegram: TelegramSettings
  log: TelegramLog
  /** Flood waits up to this many seconds are waited out before a response has started (FLOOD_WAIT_THRESHOLD, default 60). */
  floodWaitThreshold?: number | undefined
  /** Flood waits up to this many seconds are waited out once it has started (FLOOD_WAIT_MAX, default 300). */
  floodWaitMax?: number | undefined
  /** Per-call timeout in milliseconds (default 30 000). */
  callTimeoutMs?: number | undefined
  /**
   * How long `open` waits for the first connection before returning anyway (default 5 000 ms);
   * the connection goes on in the background.
   */
  connectWaitMs?: number | undefined
  /** Pages of history fetched at once (default 4). */
  historyConcurrency?: number | undefined
  /** Sign-in dates (default: `clock`). */
  now?: (() => number) | undefined
  /** Flood waits and pacing (default: the system clock). */
  clock?: Clock | undefined
  /** Counts RPCs, flood waits and session saves (GET /metrics); absent, nothing is counted. */
  metrics?: (TelegramMetrics & ChannelMetrics & SessionMetrics) | undefined
}
