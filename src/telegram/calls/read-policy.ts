/**
 * How the account's reads meet Telegram's flood waits (docs/spec.md §7): every call through the
 * account's one flood gate; before the reader has begun answering, waits up to the threshold
 * (FLOOD_WAIT_THRESHOLD, 60 s: what Telethon's flood_sleep_threshold sat through for the
 * predecessor) are sat through and a longer one is refused (429); once it has begun, waits up to
 * FLOOD_WAIT_MAX are; a read gives up when its own signal aborts or the gateway closes.
 */
import { DEFAULT_FLOOD_WAIT_MAX_SECONDS, DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS } from '../../config/config.ts'
import type { ReadOptions } from '../connector.ts'
import type { TelegramMetrics } from '../../metrics/service-metrics.ts'
import type { FloodWaitPolicy } from './call-with-flood-wait.ts'
import type { FloodGate } from './flood-gate.ts'


export interface ReadPolicySettings {
  gate: FloodGate
  /** Waits sat through before the answer has started (FLOOD_WAIT_THRESHOLD, default 60 s). */
  thresholdSeconds?: number | undefined
  /** Waits sat through once it has (FLOOD_WAIT_MAX, default 300 s; never below the threshold). */
  maxSeconds?: number | undefined
  callTimeoutMs: number
  metrics?: TelegramMetrics | undefined
  /** Aborted when the gateway closes. */
  closing: AbortSignal
}

export function readPolicy(settings: ReadPolicySettings, read: ReadOptions = {}): FloodWaitPolicy {
  const threshold = settings.thresholdSeconds ?? DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS
  const max = Math.max(threshold, settings.maxSeconds ?? DEFAULT_FLOOD_WAIT_MAX_SECONDS)
  const started = read.started
  return {
    gate: settings.gate,
    maxWaitSeconds: started === undefined ? () => threshold : () => (started() ? max : threshold),
    onWait: read.onWait,
    callTimeoutMs: settings.callTimeoutMs,
    metrics: settings.metrics,
    signal: read.signal === undefined ? settings.closing : AbortSignal.any([read.signal, settings.closing]),
  }
}
