/**
 * Starts a delivery loop for each sink the configuration names (WEBHOOK_URL, NATS_URL; both
 * may be set), each with its own subscription to the live feed and its own cursor, so a slow
 * or absent target holds back only itself.
 */
import type { Config } from '../../config/config.ts'
import type { SinkMetrics } from '../../metrics/sink-metrics.ts'
import type { BlobStore } from '../../sessions/blob-store.ts'
import type { Clock } from '../../core/clock.ts'
import type { LiveFeed } from '../live-feed.ts'
import { DeliveryLoop, type SinkStatus } from './delivery-loop.ts'
import { NatsSink, type NatsSinkOptions } from './nats-sink.ts'
import type { Sink, SinkLog } from './sink.ts'
import { WebhookSink } from './webhook-sink.ts'

export interface LiveSinks {
  statuses(): SinkStatus[]
  /** Stops every loop: attempts in flight are ended and made again after the next start. */
  stop(): Promise<void>
}

export interface SinkDeps {
  feed: LiveFeed
  /** The session store (the lease-fenced one): the webhook's cursor and the sinks' start records live beside the session. */
  store: BlobStore
  log: SinkLog
  metrics?: SinkMetrics | undefined
  /** Only these channels go to the sinks; absent: the configuration's LIVE_CHANNELS (null: every channel). */
  channels?: ReadonlySet<number> | null | undefined
  clock?: Clock | undefined
  /** The NATS client's timings (defaults: 10 s per publish and per connection attempt, 2 s between reconnections). */
  natsTiming?: Pick<NatsSinkOptions, 'publishTimeoutMs' | 'connectTimeoutMs' | 'reconnectWaitMs'> | undefined
}

export function startSinks(config: Pick<Config, 'webhook' | 'nats' | 'sessionEncryptionKey' | 'liveChannels'> & Partial<Pick<Config, 'sinkStartAt'>>, deps: SinkDeps): LiveSinks {
  const sinks: Sink[] = []
  if (config.webhook !== null) {
    const webhook = new WebhookSink({ ...config.webhook, store: deps.store, storeKey: config.sessionEncryptionKey, clock: deps.clock, log: deps.log })
    deps.log.info({ sink: 'webhook', host: webhook.describe() }, 'live events are POSTed to the webhook')
    sinks.push(webhook)
  }
  if (config.nats !== null) {
    deps.log.info({ sink: 'nats', stream: config.nats.stream, subjects: `${config.nats.subjectPrefix}.>` }, 'live events are published to NATS JetStream')
    sinks.push(new NatsSink({ config: config.nats, log: deps.log, store: deps.store, storeKey: config.sessionEncryptionKey, ...deps.natsTiming }))
  }
  const unwatch: Array<() => void> = []
  const loops = sinks.map((sink) => {
    const loop = DeliveryLoop.start({ sink, feed: deps.feed, channels: deps.channels === undefined ? config.liveChannels : deps.channels, log: deps.log, metrics: deps.metrics, clock: deps.clock, startAt: config.sinkStartAt ?? null })
    if (deps.metrics) unwatch.push(deps.metrics.watch(() => loop.status()))
    return loop
  })
  return {
    statuses: () => loops.map((loop) => loop.status()),
    async stop() {
      for (const stop of unwatch.splice(0)) stop()
      await Promise.all(loops.map((loop) => loop.stop()))
    },
  }
}
