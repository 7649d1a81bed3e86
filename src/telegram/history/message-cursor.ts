/**
 * A place in a window's answer, named by the last message received: its date, its channel's id
 * and its id. The answer's order is total — date descending, then channel id ascending, then
 * message id descending (./channel-history.ts) — so "every message after this one" is exact: a
 * read resumed from the last message a client kept has no gap and no duplicate, however the
 * first read ended. Messages posted since carry later dates and fall outside it.
 */
export interface MessageCursor {
  /** Unix seconds, the message's `date`. */
  date: number
  channelId: number
  messageId: number
}

/** Whether a message comes after the cursor's in the answer's order. */
export function comesAfter(cursor: MessageCursor, date: number, channelId: number, messageId: number): boolean {
  if (date !== cursor.date) return date < cursor.date
  if (channelId !== cursor.channelId) return channelId > cursor.channelId
  return messageId < cursor.messageId
}
