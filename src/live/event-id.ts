/**
 * The id of one live event (LiveEvent.eventId), pure: the same for the same event on every
 * transport (the SSE `id:` starts with it, the webhook delivery carries it, NATS puts it in
 * `Nats-Msg-Id`), in every process and after any re-send, and different for any two events.
 * Telegram's own numbering makes it so:
 *
 * - a post: `<channel>:<message id>` (a channel never gives an id out twice);
 * - an edit: `<channel>:<message id>:edit:<pts>`: the channel's pts after the edit, one step
 *   per event, so two edits in one second differ (`…:edit:d<edit date>` if Telegram gave no pts);
 * - a deletion: `<channel>:delete:<pts>` (`…:delete:<ids>` if it gave none);
 * - a reset: `<channel>:reset:<start>-<end>`, the window in Unix seconds.
 *
 * Safe in an SSE `id:` line, an HTTP header and a NATS header: digits, letters, `:`, `-`, `,`.
 */
import { createHash } from 'node:crypto'

/** Longer deletion ids are named by a digest: a header line should stay short. */
const MAX_LISTED_IDS_LENGTH = 200

export function messageEventId(channelId: number, messageId: number): string {
  return `${channelId}:${messageId}`
}

export function editEventId(channelId: number, messageId: number, pts: number, editDate: number): string {
  return pts > 0 ? `${channelId}:${messageId}:edit:${pts}` : `${channelId}:${messageId}:edit:d${editDate}`
}

export function deleteEventId(channelId: number, pts: number, ids: readonly number[]): string {
  if (pts > 0) return `${channelId}:delete:${pts}`
  const listed = ids.join(',')
  return `${channelId}:delete:${listed.length <= MAX_LISTED_IDS_LENGTH ? listed : `sha256-${createHash('sha256').update(listed).digest('hex')}`}`
}

export function resetEventId(channelId: number, start: number, end: number): string {
  return `${channelId}:reset:${start}-${end}`
}

/** Unix seconds as the messages' dates are written (Telethon's `+00:00` form). */
export function telethonDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00')
}
