/**
 * The `after` query parameter of `/messages`: `DATE,CHANNEL_ID,MESSAGE_ID` of the last message a
 * client received — read off that element as `date`, `peer_id.channel_id` and `id` — to resume
 * an answer that was cut. DATE is what `start_time` accepts: the element's own
 * `2025-07-01T12:34:56+00:00` (a `+` sent unencoded arrives as a space and is read as `+`), or
 * Unix seconds.
 */
import type { MessageCursor } from '../telegram/history/message-cursor.ts'
import { parseTime } from '../core/time-window.ts'

export type CursorParse = { ok: true; cursor: MessageCursor } | { ok: false; reason: string }

const SHAPE = 'expected DATE,CHANNEL_ID,MESSAGE_ID of the last message received, e.g. 2025-07-01T12:34:56+00:00,1234567890,42'

export function parseResumeCursor(text: string): CursorParse {
  const parts = text.split(',')
  if (parts.length !== 3) return { ok: false, reason: SHAPE }
  const [dateText, channelText, messageText] = parts.map((part) => part.trim()) as [string, string, string]
  // An offset's "+" that was not percent-encoded reaches us as a space.
  const time = parseTime(dateText.replace(/ (\d{2}(?::?\d{2})?)$/, '+$1'))
  if (!time.ok) return { ok: false, reason: `the date: ${time.reason}` }
  if (time.ms % 1000 !== 0) return { ok: false, reason: 'the date: messages are dated in whole seconds' }
  const channelId = positiveInteger(channelText)
  const messageId = positiveInteger(messageText)
  if (channelId === null || messageId === null) return { ok: false, reason: SHAPE }
  return { ok: true, cursor: { date: time.ms / 1000, channelId, messageId } }
}

function positiveInteger(text: string): number | null {
  if (!/^\d{1,15}$/.test(text)) return null
  const n = Number(text)
  return n > 0 ? n : null
}
