/**
 * The service assembled, written once: the gateway on the session store, one live feed on its
 * update stream, the sinks that push the feed out, and the HTTP app in front of them — and the
 * order they stop in. `main.ts` assembles it for the process and `test/helpers/service.ts` for
 * the tests, so both run the same service.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from './app.ts'
import type { Config } from './config/config.ts'
import { LiveHub, type LiveHubOptions } from './live/live-hub.ts'
import { startSinks, type LiveSinks, type SinkDeps } from './live/sinks/start-sinks.ts'
import type { ServiceMetrics } from './metrics/service-metrics.ts'
import type { SinkMetrics } from './metrics/sink-metrics.ts'
import type { BlobStore } from './sessions/blob-store.ts'
import { TelegramGateway, type GatewayDeps, type TelegramSettings } from './telegram/gateway.ts'
import type { TelegramLog } from './telegram/calls/mtcute-log.ts'
import type { Logger } from 'pino'

export interface ServiceDeps {
  /** The session store, every write fenced by the lease (the sinks' cursors live beside the session). */
  sessions: BlobStore
  telegram: TelegramSettings
  log: Logger & TelegramLog
  /** The settings of the configuration the service reads: the session key, FLOOD_WAIT_MAX and FLOOD_WAIT_THRESHOLD, the sinks. */
  config: Pick<Config, 'sessionEncryptionKey' | 'floodWaitMaxSeconds' | 'floodWaitThresholdSeconds' | 'webhook' | 'nats' | 'liveChannels' | 'sinkStartAt'>
  /** GET /metrics, and what the gateway and the live feed count; absent: nothing is counted. */
  metrics?: ServiceMetrics | undefined
  /** The sinks' metrics, registered once in `metrics`'s registry however often the service is assembled. */
  sinkMetrics?: SinkMetrics | undefined
  /** The gateway's timings and limits beyond the configuration (tests shorten them). */
  gateway?: Partial<Omit<GatewayDeps, 'store' | 'sessionKey' | 'telegram' | 'log' | 'metrics'>> | undefined
  /** The live feed's settings (journal size, lag limit). */
  live?: Omit<LiveHubOptions, 'telegram' | 'metrics' | 'log'> | undefined
  /** The sinks' clock and NATS timings. */
  sinks?: Pick<SinkDeps, 'clock' | 'natsTiming'> | undefined
  /** The HTTP app's own options (the token, the sandbox flag, clocks). */
  app: Omit<AppOptions, 'connector' | 'live' | 'sinks' | 'metrics' | 'loggerInstance' | 'logger'>
}

export interface Service {
  readonly gateway: TelegramGateway
  readonly live: LiveHub
  readonly sinks: LiveSinks
  readonly app: FastifyInstance
  /**
   * Stops in the order that loses nothing: deliveries in flight are cut (and made again at the
   * next start) before their feed ends; live streams, which never finish by themselves, are
   * ended; the app stops accepting and lets requests in flight finish; last the gateway saves
   * the session and disconnects. Rejects when that save fails (the client is closed anyway).
   */
  close(): Promise<void>
}

export async function assembleService(deps: ServiceDeps): Promise<Service> {
  const { config, log, metrics } = deps
  const gatewayDeps: GatewayDeps = {
    floodWaitMax: config.floodWaitMaxSeconds,
    floodWaitThreshold: config.floodWaitThresholdSeconds,
    store: deps.sessions,
    sessionKey: config.sessionEncryptionKey,
    telegram: deps.telegram,
    log,
    ...(metrics ? { metrics } : {}),
  }
  // Copied as property descriptors, not spread: a setting given as a getter stays live (a test
  // shortens the call timeout for an outage alone).
  Object.defineProperties(gatewayDeps, Object.getOwnPropertyDescriptors(deps.gateway ?? {}))
  const gateway = await TelegramGateway.open(gatewayDeps)
  // One update stream from Telegram for every live subscriber (GET /messages/live) and sink.
  const live = new LiveHub({ ...deps.live, telegram: gateway.live(), log, ...(metrics ? { metrics } : {}) })
  // The same feed out of the process when WEBHOOK_URL or NATS_URL is set (docs/spec.md §8),
  // limited to LIVE_CHANNELS when set.
  const sinks = startSinks(config, { ...deps.sinks, feed: live, store: deps.sessions, log, metrics: deps.sinkMetrics })
  let app: FastifyInstance
  try {
    app = await buildApp({ ...deps.app, connector: gateway, live, sinks: sinks.statuses, loggerInstance: log, metrics })
  } catch (err) {
    await sinks.stop()
    live.close()
    await gateway.close()
    throw err
  }
  return {
    gateway,
    live,
    sinks,
    app,
    async close() {
      await sinks.stop()
      live.close()
      try {
        await app.close()
      } catch (err) {
        log.error({ err: { message: (err as Error).message } }, 'the HTTP server did not close cleanly')
      }
      await gateway.close()
    },
  }
}
