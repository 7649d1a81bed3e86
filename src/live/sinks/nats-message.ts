/**
 * How a live event is laid out in JetStream (docs/spec.md §8), pure:
 *
 * - subject `<prefix>.<event>.<channel_id>` (default prefix `telegram`), so a consumer can
 *   filter by kind and by channel (`telegram.*.1234567890`, `telegram.message.>`);
 * - body: the event's data, the same JSON as the SSE `data:` line;
 * - `Nats-Msg-Id`: a name for the event that a re-send repeats exactly, so JetStream's
 *   duplicate window drops it (https://docs.nats.io/using-nats/developer/develop_jetstream/model_deep_dive#message-deduplication):
 *   `<channel>:<message id>` for a post, `<channel>:<message id>:edit:<edit date>` for an
 *   edit, `<channel>:delete:<ids>` for a deletion;
 * - `Connector-Cursor`: the live feed's cursor, which is how a restart finds where to resume
 *   (the stream's last message), so no cursor is kept anywhere else.
 */
import { createHash } from 'node:crypto'
import type { LiveEvent } from '../live-feed.ts'

export const CURSOR_HEADER = 'Connector-Cursor'
export const EVENT_HEADER = 'Connector-Event'

/** Longer deletion ids are named by a digest: a header line should stay short. */
const MAX_LISTED_IDS_LENGTH = 200

export function natsSubject(prefix: string, event: LiveEvent): string {
  return `${prefix}.${event.event}.${event.channelId}`
}

export function natsMessageId(event: LiveEvent): string {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as { id?: unknown, ids?: unknown }
  if (event.event === 'delete') {
    const ids = Array.isArray(data.ids) ? data.ids.join(',') : event.id
    const named = ids.length <= MAX_LISTED_IDS_LENGTH ? ids : `sha256-${createHash('sha256').update(ids).digest('hex')}`
    return `${event.channelId}:delete:${named}`
  }
  // A message without an id cannot come from Telegram; its cursor still names it uniquely.
  const id = typeof data.id === 'number' ? String(data.id) : `cursor-${event.id}`
  return event.event === 'edit' ? `${event.channelId}:${id}:edit:${event.date}` : `${event.channelId}:${id}`
}
