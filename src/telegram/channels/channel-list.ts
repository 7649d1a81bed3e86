/**
 * The account's channels that may hold messages of a window: messages.getDialogs over the main
 * list (peer folder 0) and the archive (peer folder 1, core.telegram.org/api/folders), paged as
 * Telegram pages it, each channel once.
 *
 * messages.getDialogs#a0f4cb4f flags:# exclude_pinned:flags.0?true folder_id:flags.1?int
 *   offset_date:int offset_id:int offset_peer:InputPeer limit:int hash:long = messages.Dialogs
 *
 * Dialogs come pinned first, then by the date each sorts by, newest first. That date is the top
 * message's, or a newer draft's (core.telegram.org/api/drafts). A folder's listing ends only on
 * evidence that nothing further can be new enough:
 * - the answer is messages.dialogs (the whole list) or a page shorter than asked for;
 * - an unpinned dialog whose top message is known and which sorts no later than the window's
 *   start (its top message and any draft are that old): every dialog after it is older still.
 * A dialog whose top message is missing from the answer, or is messageEmpty (a deleted top
 * message), has no known date: it ends nothing, and its channel is read, since its newest
 * remaining message may lie in the window.
 *
 * The next page continues after the last dialog whose place in the order is certain: its top
 * message is known and no newer draft moves it, so the offset names it whether Telegram sorts
 * by drafts or not. Dialogs after it on the page come again and are seen once. A page with no
 * such dialog continues after the last one placed by its draft; a page whose dialogs all lack
 * a top message is asked for again, larger. A page of pinned dialogs only (they stand outside
 * the date order) is completed by messages.getPinnedDialogs, and the list goes on without them.
 */
import { Long, type tl } from '@mtcute/core'
import type { ChannelSummary, SkippedChannel } from '../connector.ts'
import { telegramError } from '../../core/errors.ts'
import { callWithFloodWait, type FloodWaitPolicy, type RpcCaller } from '../calls/call-with-flood-wait.ts'

/** A window in Unix seconds: after < date <= upTo. */
export interface DateWindow {
  after: number
  upTo: number
}

export interface ChannelRef {
  id: number
  title: string
  /** The public username without "@", or null for a private channel. */
  username: string | null
  /** A broadcast channel (true) or a supergroup (false). */
  broadcast: boolean
  /** Members, when Telegram says (`channel.participants_count`); null otherwise. */
  participantsCount: number | null
  peer: tl.RawInputPeerChannel
  /** Date of the dialog's top (latest) message; Infinity when Telegram did not say (a deleted top message). */
  topDate: number
  /** The dialog's top_message id. */
  topId: number
}

export type { ChannelSkipReason } from '../../metrics/service-metrics.ts'

export interface ChannelListing {
  /** The channels to read, main list first, each once. */
  channels: ChannelRef[]
  /** Channels of the account that cannot be read at all (banned, or known only as a min channel). */
  skipped: SkippedChannel[]
}

/** The main dialog list and the archive (core.telegram.org/api/folders#peer-folders). */
const FOLDERS = [0, 1] as const

/** A window no dialog is older than: the listing goes through every dialog of both folders. */
const EVERY_DATE: DateWindow = { after: Number.NEGATIVE_INFINITY, upTo: Number.POSITIVE_INFINITY }

/** Every channel and supergroup of the account, the main list's first, then the archive's. */
export function listAllChannels(client: RpcCaller, policy: FloodWaitPolicy, pageSize = 100): Promise<ChannelListing> {
  return listChannels(client, policy, EVERY_DATE, pageSize)
}

export async function listChannels(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  window: DateWindow,
  pageSize: number,
): Promise<ChannelListing> {
  const folders = await Promise.all(FOLDERS.map((folderId) => listFolder(client, policy, window, pageSize, folderId)))
  // A channel moved between folders while they were listed shows in both: keep its first sighting.
  const seen = new Set<number>()
  const listing: ChannelListing = { channels: [], skipped: [] }
  const firstSighting = (id: number): boolean => {
    if (seen.has(id)) return false
    seen.add(id)
    return true
  }
  for (const folder of folders) {
    listing.channels.push(...folder.channels.filter((channel) => firstSighting(channel.id)))
    listing.skipped.push(...folder.skipped.filter((skip) => firstSighting(skip.id)))
  }
  return listing
}

interface Offset {
  date: number
  id: number
  peer: tl.TypeInputPeer
}

const START: Offset = { date: 0, id: 0, peer: { _: 'inputPeerEmpty' } }

async function listFolder(
  client: RpcCaller,
  policy: FloodWaitPolicy,
  window: DateWindow,
  pageSize: number,
  folderId: number,
): Promise<ChannelListing> {
  const listing: ChannelListing = { channels: [], skipped: [] }
  const seen = new Set<string>()
  let offset = START
  let excludePinned = false
  let limit = pageSize
  for (;;) {
    const result = await callWithFloodWait(client, policy, {
      _: 'messages.getDialogs',
      excludePinned,
      folderId,
      offsetDate: offset.date,
      offsetId: offset.id,
      offsetPeer: offset.peer,
      limit,
      hash: Long.ZERO,
    })
    if (result._ === 'messages.dialogsNotModified') return listing
    const outcome = takeDialogs(result, window, seen, listing)

    const complete = result._ === 'messages.dialogs' || result.dialogs.length < limit
    if (complete || outcome.reachedStart) return listing
    if (outcome.allPinned && !excludePinned) {
      // A full page of pinned dialogs gives no date to continue from: take every pinned dialog
      // at once (messages.getPinnedDialogs#d6b94df2 folder_id:int = messages.PeerDialogs), then
      // list the rest from the start without them.
      takeDialogs(await callWithFloodWait(client, policy, { _: 'messages.getPinnedDialogs', folderId }), window, seen, listing)
      excludePinned = true
      offset = START
      continue
    }
    const next = outcome.next ?? outcome.nextByDraft
    if (next === null || sameOffset(next, offset)) {
      // No dialog of the page can name the place to go on from (every top message unknown):
      // ask for the same place again, in a larger page; stopping here would cut the listing silently.
      if (limit < MAX_DIALOG_PAGE) {
        limit = Math.min(MAX_DIALOG_PAGE, limit * 2)
        continue
      }
      throw telegramError("Telegram's dialog list could not be paged past a full page.")
    }
    offset = next
  }
}

/** Telegram's largest getDialogs page. */
const MAX_DIALOG_PAGE = 100

interface PageOutcome {
  /** An unpinned dialog sorts no later than the window's start: nothing after it can be needed. */
  reachedStart: boolean
  /** Every dialog of the page was pinned (the archive's dialogFolder aside). */
  allPinned: boolean
  /** Where the next page continues: after the last dialog whose place does not depend on drafts. */
  next: Offset | null
  /** Failing that, after the last dialog with a known top message, placed by its newer draft. */
  nextByDraft: Offset | null
}

/** Adds the page's channels not seen before to `listing` and says how the listing goes on. */
function takeDialogs(result: DialogsAnswer, window: DateWindow, seen: Set<string>, listing: ChannelListing): PageOutcome {
  const page = readPage(result)
  const outcome: PageOutcome = { reachedStart: false, allPinned: true, next: null, nextByDraft: null }
  for (const dialog of result.dialogs) {
    // dialogFolder stands for the archive, which is listed on its own.
    if (dialog._ !== 'dialog') continue
    const top = page.topDate(dialog)
    const draftDate = dialog.draft?._ === 'draftMessage' ? dialog.draft.date : 0
    if (!dialog.pinned) {
      outcome.allPinned = false
      if (top !== null && Math.max(top, draftDate) <= window.after) {
        outcome.reachedStart = true
        break
      }
      // Pinned dialogs stand outside the date order, so only an unpinned one can be continued after.
      if (top !== null) {
        const offset = { date: Math.max(top, draftDate), id: dialog.topMessage, peer: page.inputPeer(dialog.peer) }
        if (draftDate <= top) outcome.next = offset
        else outcome.nextByDraft = offset
      }
    }
    const key = peerKey(dialog.peer)
    if (seen.has(key)) continue
    seen.add(key)
    if (dialog.peer._ !== 'peerChannel' || (top !== null && top <= window.after)) continue
    const channel = channelOf(page.chats.get(dialog.peer.channelId), dialog.peer.channelId, top ?? Infinity, dialog.topMessage)
    if ('reason' in channel) listing.skipped.push(channel)
    else listing.channels.push(channel)
  }
  return outcome
}

/** What getDialogs and getPinnedDialogs answer alike: dialogs with their top messages and peers. */
type DialogsAnswer = Pick<tl.messages.RawDialogs, 'dialogs' | 'messages' | 'chats' | 'users'>

interface DialogPage {
  chats: Map<number, tl.TypeChat>
  /** The date of the dialog's top message, or null when the answer does not carry it. */
  topDate(dialog: tl.RawDialog): number | null
  /** The InputPeer Telegram expects as offset_peer, built from the page's own users and chats. */
  inputPeer(peer: tl.TypePeer): tl.TypeInputPeer
}

function readPage(result: DialogsAnswer): DialogPage {
  const topMessages = new Map<string, tl.TypeMessage>()
  for (const message of result.messages) {
    if (message.peerId !== undefined) topMessages.set(`${peerKey(message.peerId)}:${message.id}`, message)
  }
  const chats = new Map<number, tl.TypeChat>(result.chats.map((chat) => [chat.id, chat]))
  const users = new Map<number, tl.TypeUser>(result.users.map((user) => [user.id, user]))
  return {
    chats,
    topDate(dialog) {
      const top = topMessages.get(`${peerKey(dialog.peer)}:${dialog.topMessage}`)
      return top === undefined || top._ === 'messageEmpty' ? null : top.date
    },
    inputPeer: (peer) => inputPeerOf(peer, chats, users),
  }
}

/** The channel to read, or why it cannot be read. */
export function channelOf(chat: tl.TypeChat | undefined, id: number, topDate: number, topId: number): ChannelRef | SkippedChannel {
  // channelForbidden: banned, or the channel became private to us; its history cannot be read.
  if (chat?._ === 'channelForbidden') return { id, reason: 'channel_private' }
  // A min channel (or none at all) carries no access_hash, and a channel is read only with one.
  if (chat?._ !== 'channel' || chat.min === true || chat.accessHash === undefined) return { id, reason: 'no_access_hash' }
  return channelRef(chat, topDate, topId)
}

/** The channel as read and listed, from its `channel` object. */
export function channelRef(chat: tl.RawChannel, topDate: number, topId = 0): ChannelRef {
  const username = chat.username ?? chat.usernames?.find((entry) => entry.active)?.username ?? null
  return {
    id: chat.id,
    title: chat.title,
    username,
    broadcast: chat.broadcast === true,
    participantsCount: chat.participantsCount ?? null,
    peer: { _: 'inputPeerChannel', channelId: chat.id, accessHash: chat.accessHash ?? Long.ZERO },
    topDate,
    topId,
  }
}

function sameOffset(a: Offset, b: Offset): boolean {
  return a.date === b.date && a.id === b.id && peerKeyOfInput(a.peer) === peerKeyOfInput(b.peer)
}

function peerKey(peer: tl.TypePeer): string {
  switch (peer._) {
    case 'peerUser':
      return `user:${peer.userId}`
    case 'peerChat':
      return `chat:${peer.chatId}`
    case 'peerChannel':
      return `channel:${peer.channelId}`
  }
}

function peerKeyOfInput(peer: tl.TypeInputPeer): string {
  switch (peer._) {
    case 'inputPeerUser':
      return `user:${peer.userId}`
    case 'inputPeerChat':
      return `chat:${peer.chatId}`
    case 'inputPeerChannel':
      return `channel:${peer.channelId}`
    default:
      return peer._
  }
}

function inputPeerOf(peer: tl.TypePeer, chats: Map<number, tl.TypeChat>, users: Map<number, tl.TypeUser>): tl.TypeInputPeer {
  switch (peer._) {
    case 'peerUser': {
      const user = users.get(peer.userId)
      return { _: 'inputPeerUser', userId: peer.userId, accessHash: (user?._ === 'user' ? user.accessHash : undefined) ?? Long.ZERO }
    }
    case 'peerChat':
      return { _: 'inputPeerChat', chatId: peer.chatId }
    case 'peerChannel': {
      const chat = chats.get(peer.channelId)
      const accessHash = chat !== undefined && (chat._ === 'channel' || chat._ === 'channelForbidden') ? chat.accessHash : undefined
      return { _: 'inputPeerChannel', channelId: peer.channelId, accessHash: accessHash ?? Long.ZERO }
    }
  }
}

/** A channel as GET /channels shows it (docs/spec.md §10). */
export function channelSummary(channel: ChannelRef): ChannelSummary {
  const known = Number.isFinite(channel.topDate) && channel.topDate > 0
  return {
    id: channel.id,
    username: channel.username,
    title: channel.title,
    type: channel.broadcast ? 'channel' : 'supergroup',
    participantsCount: channel.participantsCount,
    lastMessageDate: known ? channel.topDate : null,
  }
}
