/**
 * Metrics of the live feed's sinks (webhook, NATS), by sink, in the service's registry: what
 * was delivered, retried and refused, and — read from each delivery loop when scraped — how
 * much is pending, how far behind delivery is, and whether the target is taking events.
 */
import { Counter, Gauge, type Registry } from 'prom-client'

/** What the gauges read of a delivery loop's status at each scrape (a loop's status has more). */
export interface SinkGaugeReading {
  /** The sink's name: the `sink` label. */
  readonly sink: string
  readonly state: string
  readonly reachable: boolean
  readonly pending: number
  readonly lagSeconds: number
}

export interface SinkDeliveryMetrics {
  /** One event acknowledged by the target, `lagSeconds` after it happened. */
  recordDelivered(sink: string, lagSeconds: number): void
  recordRetry(sink: string): void
  recordRefused(sink: string): void
}

export interface SinkMetrics extends SinkDeliveryMetrics {
  /** Reports this loop's pending, lag and up gauges at each scrape, until the returned function is called. */
  watch(status: () => SinkGaugeReading): () => void
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry]
  const watched = new Set<() => SinkGaugeReading>()
  const delivered = new Counter({ name: 'sink_events_delivered_total', help: 'Live events acknowledged by the sink\'s target.', labelNames: ['sink'] as const, registers })
  const retries = new Counter({ name: 'sink_delivery_retries_total', help: 'Failed delivery attempts that will be retried (target down, 5xx, 408, 429, timeout).', labelNames: ['sink'] as const, registers })
  const refused = new Counter({ name: 'sink_events_refused_total', help: 'Live events the target refused for good (a webhook\'s 4xx); they are skipped.', labelNames: ['sink'] as const, registers })
  const lastLag = new Gauge({ name: 'sink_delivered_lag_seconds', help: 'Seconds between the last delivered event and its delivery.', labelNames: ['sink'] as const, registers })
  const gauge = (name: string, help: string, value: (status: SinkGaugeReading) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['sink'] as const,
      registers,
      collect() {
        this.reset()
        for (const read of watched) {
          const status = read()
          this.set({ sink: status.sink }, value(status))
        }
      },
    })
  }
  gauge('sink_events_pending', 'Live events read from the feed and not yet delivered or refused.', (status) => status.pending)
  gauge('sink_lag_seconds', 'Seconds since the oldest pending event happened (0 when nothing is pending).', (status) => status.lagSeconds)
  gauge('sink_up', '1 when the sink\'s target is reachable and its last attempt succeeded, else 0.', (status) => (status.state === 'ok' && status.reachable ? 1 : 0))
  return {
    recordDelivered(sink, lagSeconds) {
      delivered.inc({ sink })
      lastLag.set({ sink }, lagSeconds)
    },
    recordRetry(sink) {
      retries.inc({ sink })
    },
    recordRefused(sink) {
      refused.inc({ sink })
    },
    watch(status) {
      watched.add(status)
      // The counters of a configured sink exist from the start, so rate() sees a 0 rather than no series.
      const { sink } = status()
      delivered.inc({ sink }, 0)
      retries.inc({ sink }, 0)
      refused.inc({ sink }, 0)
      return () => {
        watched.delete(status)
      }
    },
  }
}
