/**
 * The one name of a live event outside the process: the `webhook-id` of its webhook delivery,
 * and the same id SSE (`id:`) and NATS (`Connector-Cursor`) carry for it. A re-delivery of the
 * event repeats it, so a receiver can drop what it already has.
 */
import type { LiveEvent } from '../live-feed.ts'

export function deliveryId(event: LiveEvent): string {
  return event.id
}
