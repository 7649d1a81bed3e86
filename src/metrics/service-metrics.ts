/**
 * The service's Prometheus metrics, in one registry that GET /metrics exposes. Each part of
 * the service records through the narrow interface it needs (the HTTP layer, the Telegram
 * gateway, the session saves), so none depends on prom-client.
 *
 * Label values are bounded: routes are Fastify's route patterns (never raw paths), RPC methods
 * are TL method names. Nothing about the account (phone, peers, messages) becomes a label.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface HttpMetrics {
  /** One answered request: its route pattern ('unmatched' when no route matched), status and duration. */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void
}

export interface TelegramMetrics {
  /** One RPC sent to Telegram, by TL method name (e.g. "messages.getHistory"). */
  recordRpc(method: string): void
  /** Telegram answered FLOOD_WAIT_X (https://core.telegram.org/api/errors#420-flood) to this method. */
  recordFloodWait(method: string, seconds: number): void
}

/** Why a channel was left out of a window (src/telegram/channels/channel-list.ts); also the metric label. */
export const CHANNEL_SKIP_REASONS = ['channel_private', 'channel_invalid', 'no_access_hash'] as const
export type ChannelSkipReason = (typeof CHANNEL_SKIP_REASONS)[number]

export interface ChannelMetrics {
  /** One channel of the account left out of a window because Telegram would not let it be read. */
  recordChannelSkipped(reason: ChannelSkipReason): void
}

export type SessionSaveResult = 'ok' | 'failed'

export interface SessionMetrics {
  recordSessionSave(result: SessionSaveResult): void
}

export interface LiveMetrics {
  /** Subscribers of the live feed open now. */
  setLiveSubscribers(count: number): void
  /** One event handed to a subscriber, and how old its message was then (now − date, seconds). */
  recordLiveEvent(event: 'message' | 'edit' | 'delete' | 'reset', lagSeconds: number): void
}

export interface ServiceMetrics extends HttpMetrics, TelegramMetrics, ChannelMetrics, SessionMetrics, LiveMetrics {
  readonly registry: Registry
}

export interface ServiceMetricsOptions {
  /** A registry of one's own (default: a new one; never prom-client's global registry). */
  registry?: Registry | undefined
  /** Also collect Node's process metrics (CPU, memory, event loop lag, handles); default true. */
  processMetrics?: boolean | undefined
}

/** Seconds; /messages streams a whole window, so the upper buckets reach a minute. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** Seconds; a live message is usually a second old, a backfilled one days. */
const LAG_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400]

export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = options.registry ?? new Registry()
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers,
  })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its response (a streamed response included).',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  })
  const rpcCalls = new Counter({
    name: 'telegram_rpc_calls_total',
    help: 'RPCs sent to Telegram, by TL method.',
    labelNames: ['method'] as const,
    registers,
  })
  const floodWaits = new Counter({
    name: 'telegram_flood_waits_total',
    help: 'FLOOD_WAIT errors received from Telegram, by TL method.',
    labelNames: ['method'] as const,
    registers,
  })
  const floodWaitSeconds = new Counter({
    name: 'telegram_flood_wait_seconds_total',
    help: 'Seconds Telegram asked to wait in FLOOD_WAIT errors, by TL method.',
    labelNames: ['method'] as const,
    registers,
  })
  const channelsSkipped = new Counter({
    name: 'telegram_channels_skipped_total',
    help: 'Channels left out of a /messages window because Telegram would not let them be read, by reason.',
    labelNames: ['reason'] as const,
    registers,
  })
  for (const reason of CHANNEL_SKIP_REASONS) channelsSkipped.inc({ reason }, 0)
  const sessionSaves = new Counter({
    name: 'session_saves_total',
    help: 'Writes of the session to its store, by result.',
    labelNames: ['result'] as const,
    registers,
  })
  const liveSubscribers = new Gauge({
    name: 'live_subscribers',
    help: 'Subscribers of the live feed open now (GET /messages/live streams and sinks).',
    registers,
  })
  const liveEvents = new Counter({
    name: 'live_events_total',
    help: 'Live feed events handed to subscribers, by kind.',
    labelNames: ['event'] as const,
    registers,
  })
  const liveLag = new Histogram({
    name: 'live_delivery_lag_seconds',
    help: 'Age of a live feed event when handed to a subscriber (now minus the message date).',
    buckets: LAG_BUCKETS,
    registers,
  })
  for (const event of ['message', 'edit', 'delete']) liveEvents.inc({ event }, 0)
  // Both results exist from the start, so that rate() and alerts see a 0 rather than no series.
  sessionSaves.inc({ result: 'ok' }, 0)
  sessionSaves.inc({ result: 'failed' }, 0)

  return {
    registry,
    recordRequest(method, route, statusCode, seconds) {
      const labels = { method, route, status_code: String(statusCode) }
      httpRequests.inc(labels)
      httpDuration.observe(labels, seconds)
    },
    recordRpc(method) {
      rpcCalls.inc({ method })
    },
    recordFloodWait(method, seconds) {
      floodWaits.inc({ method })
      floodWaitSeconds.inc({ method }, Math.max(0, seconds))
    },
    recordChannelSkipped(reason) {
      channelsSkipped.inc({ reason })
    },
    recordSessionSave(result) {
      sessionSaves.inc({ result })
    },
    setLiveSubscribers(count) {
      liveSubscribers.set(count)
    },
    recordLiveEvent(event, lagSeconds) {
      liveEvents.inc({ event })
      liveLag.observe(lagSeconds)
    },
  }
}
