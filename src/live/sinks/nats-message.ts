/**
 * How a live event is laid out in JetStream (docs/spec.md §8), pure:
 *
 * - subject `<prefix>.<event>.<channel_id>` (default prefix `telegram`), so a consumer can
 *   filter by kind and by channel (`telegram.*.1234567890`, `telegram.message.>`);
 * - body: the event's data, the same JSON as the SSE `data:` line;
 * - `Nats-Msg-Id`: the event's own id (LiveEvent.eventId, src/live/event-id.ts), which a
 *   re-send repeats exactly, so JetStream's duplicate window drops it
 *   (https://docs.nats.io/using-nats/developer/develop_jetstream/model_deep_dive#message-deduplication),
 *   and which differs for any two events (two edits of one message in one second included);
 * - `Connector-Cursor`: the live feed's cursor, which is how a restart finds where to resume
 *   (the stream's last message), so no cursor is kept anywhere else.
 */
import type { LiveEvent } from '../live-feed.ts'

export const CURSOR_HEADER = 'Connector-Cursor'
export const EVENT_HEADER = 'Connector-Event'

export function natsSubject(prefix: string, event: LiveEvent): string {
  return `${prefix}.${event.event}.${event.channelId}`
}

export function natsMessageId(event: LiveEvent): string {
  return event.eventId
}
