/**
 * The account's channel messages in a time window, newest first (docs/spec.md §4), as an async
 * generator over raw Telegram calls — no HTTP here.
 *
 * 1. messages.getDialogs lists the channels and supergroups of the main list and the archive
 *    whose top message may be newer than the window's start (channel-list.ts); private chats
 *    and basic groups are left out, and no channel whose top message is older is ever read.
 * 2. Each channel is read with messages.getHistory, limit 100, from offset_date = end + 1
 *    (Telegram returns messages with date < offset_date, so date <= end), then by offset_id of
 *    the oldest message seen, until a page reaches date <= start or runs short.
 * 3. The channels are merged newest first by (date desc, channel id asc, message id desc).
 *    A channel is opened only when the merge could need it (its top message is at least as new
 *    as the best message waiting), each open channel holds its current page plus one page read
 *    ahead, and at most `concurrency` pages are being fetched at once: memory stays a few pages
 *    per active channel, whatever the window's length.
 *
 * Service messages (messageService) and messageEmpty are left out; they still drive paging.
 * A channel Telegram refuses to let be read (listed, then CHANNEL_PRIVATE or CHANNEL_INVALID;
 * or listed only as channelForbidden or a min channel) is left out and reported to `onSkip`;
 * the rest of the window is read whole.
 */
import { Long, type tl } from '@mtcute/core'
import { callWithFloodWait, type FloodWaitPolicy, type RpcCaller } from '../calls/call-with-flood-wait.ts'
import { listChannels, type ChannelListing, type ChannelRef, type DateWindow } from '../channels/channel-list.ts'
import type { SkippedChannel } from '../connector.ts'
import { concurrencyLimit, type Limited } from '../calls/concurrency-limit.ts'
import { PageCursor, type Page } from './page-cursor.ts'
import { channelRefusal } from '../calls/rpc-errors.ts'
import { comesAfter, type MessageCursor } from './message-cursor.ts'

export type { ChannelRef, DateWindow } from '../channels/channel-list.ts'

export interface ChannelMessage {
  message: tl.RawMessage
  channel: ChannelRef
}

export interface ChannelHistoryOptions {
  policy: FloodWaitPolicy
  /** Pages fetched at once across channels. */
  concurrency?: number
  /** Messages per getHistory call; Telegram's maximum is 100. */
  pageSize?: number
  /** Dialogs per getDialogs call; Telegram's maximum is 100. */
  dialogPageSize?: number
  /** Told of each channel of the account that is left out because Telegram will not let it be read. */
  onSkip?: (channel: SkippedChannel) => void
  /**
   * Read only these channels (picked from `listAllChannels`) instead of listing the dialogs:
   * no other channel is read.
   */
  channels?: ChannelListing | undefined
  /** Resume: only the messages after this one (./message-cursor.ts). */
  after?: MessageCursor
}

const DEFAULT_CONCURRENCY = 4
const MAX_PAGE_SIZE = 100

export async function* channelMessages(
  client: RpcCaller,
  requested: DateWindow,
  options: ChannelHistoryOptions,
): AsyncGenerator<ChannelMessage> {
  const after = options.after
  // Resuming, nothing newer than the cursor's date is read; of its date, only what follows it.
  const window = after === undefined ? requested : { after: requested.after, upTo: Math.min(requested.upTo, after.date) }
  if (window.after >= window.upTo) return
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE
  const limited = concurrencyLimit(options.concurrency ?? DEFAULT_CONCURRENCY)
  const listing = options.channels ?? (await listChannels(client, options.policy, window, options.dialogPageSize ?? MAX_PAGE_SIZE))
  for (const channel of listing.skipped) options.onSkip?.(channel)
  const channels = listing.channels.filter((channel) => channel.topDate > window.after)
  const newestPossible = (channel: ChannelRef): number => Math.min(channel.topDate, window.upTo)
  channels.sort((a, b) => newestPossible(b) - newestPossible(a) || a.id - b.id)

  const read = async (channel: ChannelRef, offsetId: number): Promise<Page<tl.RawMessage, number>> => {
    try {
      return await readPage(client, options.policy, limited, channel, window, offsetId, pageSize)
    } catch (err) {
      // Telegram refusing one channel it listed (banned since, or gone) ends that channel, not the window.
      const reason = channelRefusal(err)
      if (reason === null) throw err
      options.onSkip?.({ id: channel.id, reason })
      return { items: [], next: null }
    }
  }

  const open: Cursor[] = []
  let nextChannel = 0
  for (;;) {
    let best = await bestHead(open)
    // Open every channel whose newest possible message could come before the best one waiting;
    // with nothing waiting, open the next batch (as many as can be fetched at once).
    while (nextChannel < channels.length && (best === null || newestPossible(channels[nextChannel]) >= best.message.date)) {
      const batch = best === null ? options.concurrency ?? DEFAULT_CONCURRENCY : Infinity
      for (let opened = 0; opened < batch && nextChannel < channels.length; opened++) {
        const channel = channels[nextChannel]
        if (best !== null && newestPossible(channel) < best.message.date) break
        open.push(openCursor(channel, read))
        nextChannel++
      }
      best = await bestHead(open)
    }
    if (best === null) return
    best.cursor.pages.advance()
    if (after !== undefined && !comesAfter(after, best.message.date, best.cursor.channel.id, best.message.id)) continue
    yield { message: best.message, channel: best.cursor.channel }
  }
}

/** A channel's open cursor in the merge: pages newest first, continued by offset_id. */
interface Cursor {
  channel: ChannelRef
  pages: PageCursor<tl.RawMessage, number>
}

function openCursor(channel: ChannelRef, read: (channel: ChannelRef, offsetId: number) => Promise<Page<tl.RawMessage, number>>): Cursor {
  return { channel, pages: new PageCursor((offsetId) => read(channel, offsetId), 0) }
}

interface Head {
  cursor: Cursor
  message: tl.RawMessage
}

/** The newest waiting message over the open cursors; read-out cursors are dropped. */
async function bestHead(open: Cursor[]): Promise<Head | null> {
  let best: Head | null = null
  for (let i = 0; i < open.length; ) {
    const cursor = open[i]
    // Awaited only at a page's end: this runs once per message for every open channel.
    let message = cursor.pages.current()
    if (message === undefined) message = await cursor.pages.head()
    if (message === null) {
      open.splice(i, 1)
      continue
    }
    if (best === null || comesBefore(message, cursor.channel, best.message, best.cursor.channel)) best = { cursor, message }
    i++
  }
  return best
}

/** Newest first: date descending, then channel id ascending, then message id descending. */
function comesBefore(a: tl.RawMessage, aChannel: ChannelRef, b: tl.RawMessage, bChannel: ChannelRef): boolean {
  if (a.date !== b.date) return a.date > b.date
  if (aChannel.id !== bChannel.id) return aChannel.id < bChannel.id
  return a.id > b.id
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
  window: DateWindow,
  offsetId: number,
  pageSize: number,
): Promise<Page<tl.RawMessage, number>> {
  const result = await limited(() =>
    callWithFloodWait(client, policy, {
      _: 'messages.getHistory',
      peer: channel.peer,
      offsetId,
      // The first page starts just after the window's end; later pages continue by id.
      offsetDate: offsetId === 0 ? window.upTo + 1 : 0,
      addOffset: 0,
      limit: pageSize,
      maxId: 0,
      minId: 0,
      hash: Long.ZERO,
    }),
  )
  const all = result._ === 'messages.messagesNotModified' ? [] : result.messages
  let oldestDate = Infinity
  let oldestId = Infinity
  for (const message of all) {
    if (message.id < oldestId) oldestId = message.id
    if (message._ !== 'messageEmpty' && message.date < oldestDate) oldestDate = message.date
  }
  const lastPage =
    all.length < pageSize || oldestDate <= window.after || result._ === 'messages.messages' || !Number.isFinite(oldestId)
  const messages = all.filter(
    (message): message is tl.RawMessage => message._ === 'message' && message.date > window.after && message.date <= window.upTo,
  )
  for (const message of messages) message.media = undefined
  return { items: messages, next: lastPage ? null : oldestId }
}
