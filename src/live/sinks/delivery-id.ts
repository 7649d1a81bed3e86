/**
 * The one name of a live event outside the process: the `webhook-id` of its webhook delivery,
 * the `Nats-Msg-Id` of its NATS message, and the start of its SSE `id:` and cursors (up to the
 * `/`). A re-delivery of the event repeats it, so a receiver can drop what it already has.
 */
import type { LiveEvent } from '../live-feed.ts'

export function deliveryId(event: LiveEvent): string {
  return event.eventId
}
