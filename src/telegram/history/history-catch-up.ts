/**
 * Catch-up from history (Telegram is the log): every channel message after a subscriber's
 * position, oldest first, read with messages.getHistory through the one flood-controlled seam.
 *
 * Per channel the start is the cursor's position (ids above it) or, for a channel the cursor
 * does not name, a date (messages dated after it). Pages go upwards: offset_id = after + 1 with
 * add_offset = -limit returns the `limit` oldest messages with id > after
 * (https://core.telegram.org/api/offsets); a date start first pages with offset_date instead.
 * Channels whose dialog top message is not past their start are never read. The channels are
 * merged by (date, channel id, message id) ascending, one page per channel held at a time.
 */
import { Long, type tl } from '@mtcute/core'
import { callWithFloodWait, type FloodWaitPolicy, type RpcCaller } from '../calls/call-with-flood-wait.ts'
import type { ChannelRef } from '../channels/channel-list.ts'
import { concurrencyLimit, type Limited } from '../calls/concurrency-limit.ts'
import { PageCursor, type Page } from './page-cursor.ts'
import { channelRefusal } from '../calls/rpc-errors.ts'

export interface CatchUpStart {
  /** Messages with id above this … */
  afterId?: number | undefined
  /** … or, when no id is known, dated after this (Unix seconds). */
  afterDate: number
}

export interface CatchUpMessage {
  message: tl.RawMessage
  channel: ChannelRef
}

const PAGE_SIZE = 100
const CONCURRENCY = 4

export async function* catchUpFromHistory(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  channels: readonly ChannelRef[],
  startOf: (channel: ChannelRef) => CatchUpStart,
): AsyncGenerator<CatchUpMessage> {
  const limited = concurrencyLimit(CONCURRENCY)
  const cursors: ChannelCursor[] = []
  for (const channel of channels) {
    const start = startOf(channel)
    const due = start.afterId !== undefined ? channel.topId > start.afterId : channel.topDate > start.afterDate
    if (due) cursors.push(openCursor(client, policy, limited, channel, start))
  }
  for (;;) {
    let best: { cursor: ChannelCursor; message: tl.RawMessage } | null = null
    for (let i = 0; i < cursors.length; ) {
      let message = cursors[i].pages.current()
      if (message === undefined) message = await cursors[i].pages.head()
      if (message === null) {
        cursors.splice(i, 1)
        continue
      }
      if (best === null || comesFirst(message, cursors[i].channel, best.message, best.cursor.channel)) best = { cursor: cursors[i], message }
      i++
    }
    if (best === null) return
    best.cursor.pages.advance()
    yield { message: best.message, channel: best.cursor.channel }
  }
}

/** Oldest first: date, then channel id, then message id. */
function comesFirst(a: tl.RawMessage, aChannel: ChannelRef, b: tl.RawMessage, bChannel: ChannelRef): boolean {
  if (a.date !== b.date) return a.date < b.date
  if (aChannel.id !== bChannel.id) return aChannel.id < bChannel.id
  return a.id < b.id
}

/** A channel's open cursor in the merge. */
interface ChannelCursor {
  channel: ChannelRef
  pages: PageCursor<tl.RawMessage, number | null>
}

function openCursor(client: RpcCaller, policy: FloodWaitPolicy, limited: Limited, channel: ChannelRef, start: CatchUpStart): ChannelCursor {
  const read = async (afterId: number | null): Promise<Page<tl.RawMessage, number | null>> => {
    try {
      return await readPage(client, policy, limited, channel, afterId, start.afterDate)
    } catch (err) {
      // A channel Telegram refuses (banned since it was listed, or gone) ends that channel, not the catch-up.
      if (channelRefusal(err) === null) throw err
      return { items: [], next: null }
    }
  }
  return { channel, pages: new PageCursor(read, start.afterId ?? null) }
}

/**
 * messages.getHistory#4423e6c5 peer:InputPeer offset_id:int offset_date:int add_offset:int
 *   limit:int max_id:int min_id:int hash:long = messages.Messages
 */
async function readPage(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  limited: Limited,
  channel: ChannelRef,
  afterId: number | null,
  afterDate: number,
): Promise<Page<tl.RawMessage, number | null>> {
  const result = await limited(() =>
    callWithFloodWait(client, policy, {
      _: 'messages.getHistory',
      peer: channel.peer,
      offsetId: afterId === null ? 0 : afterId + 1,
      // With no id yet, the page starts at the first message dated after afterDate.
      offsetDate: afterId === null ? afterDate + 1 : 0,
      addOffset: -PAGE_SIZE,
      limit: PAGE_SIZE,
      maxId: 0,
      minId: afterId ?? 0,
      hash: Long.ZERO,
    }),
  )
  const all = result._ === 'messages.messagesNotModified' ? [] : result.messages
  let highest = afterId ?? 0
  for (const message of all) if (message.id > highest) highest = message.id
  const messages = all
    .filter((m): m is tl.RawMessage => m._ === 'message' && m.id > (afterId ?? 0) && (afterId !== null || m.date > afterDate))
    .sort((a, b) => a.id - b.id)
  // A short page is the newest one; so is a page that did not move.
  const last = all.length < PAGE_SIZE || highest === (afterId ?? 0)
  return { items: messages, next: last ? null : highest }
}
