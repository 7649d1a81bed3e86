/**
 * A sink takes the live feed (src/live/live-feed.ts) out of the process: a webhook
 * (webhook-sink.ts) or a JetStream (nats-sink.ts). Every sink is driven the same way by a
 * DeliveryLoop (delivery-loop.ts): `open` says where to resume, then one event at a time is
 * offered to `deliver` until it is delivered or refused, and `commit` records that the feed
 * has been passed up to it. One event at a time, in feed order, is what keeps each channel's
 * order (docs/spec.md §8) and lets one cursor say how far delivery has come. The contract suite
 * (test/live/sink-contract.test.ts) runs against every sink.
 */
import type { LiveEvent } from '../live-feed.ts'

export type SinkName = 'webhook' | 'nats'

/**
 * The outcome of one attempt. `retry`: the target did not take the event this time (down,
 * overloaded, too slow); the same event is offered again later. `refused`: the target will
 * never take this event; it is skipped. `gone`: the target no longer exists (a webhook's 410);
 * delivery to it stops, the event undelivered.
 */
export type DeliveryResult =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'refused', readonly reason: string }
  | { readonly kind: 'gone', readonly reason: string }
  | { readonly kind: 'retry', readonly reason: string, readonly retryAfterMs?: number | undefined }

export interface Sink {
  readonly name: SinkName
  /**
   * Prepares the target (connects, creates what is missing) and answers the cursor of the last
   * event it holds, or null when it holds none (delivery then resumes from where the sink
   * began). Throws when the target cannot be reached; the loop retries.
   */
  open(): Promise<string | null>
  /**
   * Where the sink began, as its record says (read from the store, never from the target), or
   * null when it never started. A sink whose record is its cursor answers that cursor.
   */
  started(): Promise<string | null>
  /**
   * Records where delivery begins, at the sink's very first start (a cursor before any event),
   * so that a restart before the target has acknowledged anything resumes from it. Throws when
   * it cannot be recorded; the loop retries before delivering anything.
   */
  begin(cursor: string): Promise<void>
  /**
   * One attempt to deliver one event; never throws for a failure of the target (that is
   * `retry`). `signal` ends the attempt early (the loop is stopping): it answers `retry`.
   */
  deliver(event: LiveEvent, signal: AbortSignal): Promise<DeliveryResult>
  /**
   * Delivery has passed `event` (delivered or refused): a restart resumes after it. A sink
   * whose target holds the cursor itself does nothing here. A sink may fold commits that come
   * while it is still writing an earlier one into one write of the latest.
   */
  commit(event: LiveEvent): Promise<void>
  /** Where deliveries go, for logs, with no secret (a webhook's host). */
  describe?(): string
  /** Whether the target can be reached right now, as far as the sink knows. */
  reachable(): boolean
  /** Finishes the cursor writes begun, and lets go of connections. */
  close(): Promise<void>
}

/** The log lines a sink and its loop write; pino's logger fits. */
export interface SinkLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}
