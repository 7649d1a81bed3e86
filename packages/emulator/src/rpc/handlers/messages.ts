import type { TlObject } from '../../tl/tl-object.ts'
import { MessageKind, type History } from '../../world/history.ts'
import { materializeMessage } from '../../world/message-factory.ts'
import { chatObject, peersFor } from '../../world/peer-objects.ts'
import { PeerRefs } from '../../world/peer-refs.ts'
import type { Viewer } from '../../world/viewer.ts'
import type { World } from '../../world/world.ts'
import {
  accountPts,
  channelPts,
  compareDialogKeys,
  dialogFolderObject,
  dialogObject,
  dialogsOf,
  folderFilter,
  keyOf,
  peerOfDialog,
  type DialogEntry,
  type DialogKey,
} from '../dialogs.ts'
import { checkInvite, importInvite } from '../channel-joins.ts'
import { viewerOf, nowSeconds, type HandlerContext, type HandlerTable } from '../handler.ts'
import { clampLimit, historyPage } from '../history-page.ts'
import { historyOf, resolveInputPeer } from '../input-peers.ts'
import { messageList } from '../message-list.ts'
import { RpcError } from '../rpc-error.ts'
import { searchGlobalPage, type SearchSource } from '../search-global.ts'

/** messages.* — history, dialogs, global search, messages by id, invite links. */
export const messagesHandlers: HandlerTable = {
  'messages.getHistory': { signedIn: true, run: getHistory },
  'messages.getDialogs': { signedIn: true, run: getDialogs },
  'messages.searchGlobal': { signedIn: true, run: searchGlobal },
  'messages.getMessages': { signedIn: true, run: getMessages },
  'messages.getPeerDialogs': { signedIn: true, run: getPeerDialogs },
  'messages.getPinnedDialogs': { signedIn: true, run: getPinnedDialogs },
  'messages.getChats': {
    signedIn: true,
    run: (ctx, params) => ({
      _: 'messages.chats',
      chats: (params.id as number[]).flatMap((id) => {
        const chat = ctx.world.chatsById.get(Number(id))
        return chat ? [chatObject(chat)] : []
      }),
    }),
  },
  'messages.getFullChat': { signedIn: true, run: getFullChat },
  'messages.checkChatInvite': { signedIn: true, run: (ctx, params) => checkInvite(ctx, params.hash) },
  'messages.importChatInvite': { signedIn: true, run: (ctx, params) => importInvite(ctx, params.hash) },
}

/** updates.state for the account (shared with updates.getState). */
export function updatesState(ctx: HandlerContext): TlObject {
  return { _: 'updates.state', pts: accountPts(ctx.world), qts: 0, date: nowSeconds(ctx), seq: 1, unread_count: 0 }
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : 0
}

/**
 * messages.getHistory: messages.channelMessages (with count and pts) for channels;
 * messages.messages when the page is the whole history, else messages.messagesSlice, for
 * users and basic groups. Paging per core.telegram.org/api/offsets (see historyPage).
 */
function getHistory(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const peer = resolveInputPeer(ctx.world, viewer, params.peer as TlObject)
  // A private channel shows its history to members only.
  if (peer.kind === 'channel' && peer.channel.username === undefined && !viewer.isMember(peer.channel.id)) {
    throw new RpcError(400, 'CHANNEL_PRIVATE')
  }
  const history = historyOf(ctx.world, peer)
  if (!history) return { _: 'messages.messages', messages: [], topics: [], chats: [], users: [] }
  const indices = historyPage(history, {
    offset_id: num(params.offset_id),
    offset_date: num(params.offset_date),
    add_offset: num(params.add_offset),
    limit: num(params.limit),
    max_id: num(params.max_id),
    min_id: num(params.min_id),
  })
  const list = messageList(ctx.world, viewer, indices.map((index) => ({ history, index })))
  if (peer.kind === 'channel') {
    return { _: 'messages.channelMessages', pts: channelPts(peer.channel), count: history.length, ...list, topics: [] }
  }
  if (indices.length === history.length) return { _: 'messages.messages', ...list, topics: [] }
  return { _: 'messages.messagesSlice', count: history.length, ...list, topics: [] }
}

/**
 * messages.getDialogs over one peer folder (folder_id 0 the main list, 1 the archive, absent
 * both together): pinned dialogs first, then by the date each sorts by, newest first. A page
 * with an offset continues among the unpinned dialogs strictly after the one named by
 * (offset_date, offset_id, offset_peer). The main list starts with the archive's dialogFolder
 * when the archive holds anything. messages.dialogs when one page holds them all.
 */
function getDialogs(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const folder = folderFilter(params.folder_id)
  const all = dialogsOf(ctx.world, viewer, folder)
  const offsetDate = num(params.offset_date)
  let candidates = params.exclude_pinned === true ? all.filter((entry) => !entry.pinned) : all
  if (offsetDate > 0) {
    const offsetKey: DialogKey = [offsetDate, num(params.offset_id), offsetPeerRank(viewer, params.offset_peer as TlObject | undefined)]
    candidates = all.filter((entry) => !entry.pinned && compareDialogKeys(keyOf(entry), offsetKey) < 0)
  }
  // The archive's dialogFolder heads the main list's first page, named by the archive's newest dialog.
  const archiveTop = folder === 0 && offsetDate === 0 && params.exclude_pinned !== true ? newestDialog(dialogsOf(ctx.world, viewer, 1)) : undefined
  const limit = clampLimit(num(params.limit))
  const page = candidates.slice(0, archiveTop ? Math.max(0, limit - 1) : limit)
  const body = dialogsBody(ctx.world, viewer, page, archiveTop)
  if (offsetDate === 0 && page.length === candidates.length) return { _: 'messages.dialogs', ...body }
  return { _: 'messages.dialogsSlice', count: all.length + (archiveTop ? 1 : 0), ...body }
}

/** messages.getPinnedDialogs#d6b94df2 folder_id:int = messages.PeerDialogs: every pinned dialog of the folder, in pin order. */
function getPinnedDialogs(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const pinned = dialogsOf(ctx.world, viewer, folderFilter(params.folder_id) ?? 0).filter((entry) => entry.pinned)
  return { _: 'messages.peerDialogs', ...dialogsBody(ctx.world, viewer, pinned), state: updatesState(ctx) }
}

/** The dialog with the newest date to sort by, pinned or not. */
function newestDialog(entries: readonly DialogEntry[]): DialogEntry | undefined {
  let newest: DialogEntry | undefined
  for (const entry of entries) if (!newest || compareDialogKeys(keyOf(entry), keyOf(newest)) > 0) newest = entry
  return newest
}

/**
 * The dialogs with their top messages and peers. A deleted top message is sent as
 * messageEmpty or left out, as the channel's dialog says; a min channel is described by its
 * min constructor. Every dialog's peer is in `chats` or `users` either way.
 */
function dialogsBody(
  world: World,
  viewer: Viewer,
  page: readonly DialogEntry[],
  archiveTop?: DialogEntry,
): { dialogs: TlObject[]; messages: TlObject[]; chats: TlObject[]; users: TlObject[] } {
  const entries = archiveTop ? [archiveTop, ...page] : page
  const refs = new PeerRefs()
  for (const entry of entries) {
    if (entry.kind === 'channel') refs.addChannel(entry.peerId)
    else if (entry.kind === 'chat') refs.addChat(entry.peerId)
    else refs.addUser(entry.peerId)
  }
  // A dialog whose top_message is not its history's newest names a deleted one (until a new post).
  const withTop = entries.filter((entry) => entry.topId === entry.history.topId)
  const list = messageList(world, viewer, withTop.map((entry) => ({ history: entry.history, index: entry.history.length - 1 })), refs)
  for (const entry of entries) {
    const deleted = entry.topId === entry.history.topId ? undefined : entry.channel?.dialog.deletedTop
    if (deleted?.shown === 'empty') list.messages.push({ _: 'messageEmpty', id: deleted.id, peer_id: peerOfDialog(entry) })
  }
  const chats = list.chats.map((chat) => (chat._ === 'channel' && world.channelsById.get(Number(chat.id))?.dialog.min === true ? minChannel(chat) : chat))
  return {
    dialogs: [...(archiveTop ? [dialogFolderObject(archiveTop)] : []), ...page.map((entry) => dialogObject(world, entry))],
    messages: list.messages,
    chats,
    users: list.users,
  }
}

/** channel#… as Telegram sends a channel it describes only partly: min set, no access_hash. */
function minChannel(chat: TlObject): TlObject {
  return { ...chat, min: true, access_hash: undefined }
}

/** The tie-break rank of an offset peer; an empty one ranks after every dialog of that date. */
function offsetPeerRank(viewer: Viewer, peer: TlObject | undefined): number {
  switch (peer?._) {
    case 'inputPeerChannel':
    case 'inputPeerChannelFromMessage':
      return num(peer.channel_id)
    case 'inputPeerChat':
      return num(peer.chat_id)
    case 'inputPeerUser':
    case 'inputPeerUserFromMessage':
      return num(peer.user_id)
    case 'inputPeerSelf':
      return viewer.user.id
    default:
      return Number.POSITIVE_INFINITY
  }
}

function getPeerDialogs(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const all = dialogsOf(ctx.world, viewer)
  const wanted: DialogEntry[] = []
  for (const dialogPeer of params.peers as TlObject[]) {
    if (dialogPeer._ !== 'inputDialogPeer') continue
    const peer = resolveInputPeer(ctx.world, viewer, dialogPeer.peer as TlObject)
    const id = peer.kind === 'channel' ? peer.channel.id : peer.kind === 'chat' ? peer.chat.id : peer.user.id
    const entry = all.find((e) => e.peerId === id)
    if (entry) wanted.push(entry)
  }
  return { _: 'messages.peerDialogs', ...dialogsBody(ctx.world, viewer, wanted), state: updatesState(ctx) }
}

const MEDIA_FILTERS: Record<string, (kind: number) => boolean> = {
  inputMessagesFilterEmpty: () => true,
  inputMessagesFilterPhotos: (kind) => kind === MessageKind.Photo || kind === MessageKind.AlbumPhoto,
  inputMessagesFilterVideo: (kind) => kind === MessageKind.Video,
  inputMessagesFilterPhotoVideo: (kind) => kind === MessageKind.Photo || kind === MessageKind.AlbumPhoto || kind === MessageKind.Video,
}

/**
 * messages.searchGlobal over the viewer's dialogs (broadcasts_only: broadcast channels;
 * groups_only: supergroups and basic groups; users_only: private chats), newest first,
 * min_date < date < max_date, continued by offset_rate / offset_peer / offset_id.
 * An empty query with no filter lists every message of the window.
 */
function searchGlobal(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const filterName = (params.filter as TlObject | undefined)?._ ?? 'inputMessagesFilterEmpty'
  const kindFilter = MEDIA_FILTERS[filterName]
  if (!kindFilter) throw new RpcError(400, 'INPUT_FILTER_INVALID')
  const folder = folderFilter(params.folder_id)

  const sources: SearchSource[] = []
  for (const entry of dialogsOf(ctx.world, viewer, folder)) {
    const broadcast = entry.channel?.broadcast === true
    if (params.broadcasts_only && !broadcast) continue
    if (params.groups_only && !(entry.kind === 'chat' || (entry.kind === 'channel' && !broadcast))) continue
    if (params.users_only && entry.kind !== 'user') continue
    sources.push({ history: entry.history, rank: entry.peerId })
  }

  const query = String(params.q ?? '').trim().toLowerCase()
  const scratch = new PeerRefs()
  const textMatches = (history: History, index: number): boolean => {
    const message = materializeMessage(ctx.world, history, index, viewer, scratch)
    return String(message.message ?? '').toLowerCase().includes(query)
  }
  const match =
    filterName === 'inputMessagesFilterEmpty' && query === ''
      ? undefined
      : (history: History, index: number) => kindFilter(history.kinds[index]) && (query === '' || textMatches(history, index))

  const limit = clampLimit(num(params.limit))
  const offsetRate = num(params.offset_rate)
  const { picks, count } = searchGlobalPage(sources, {
    minDate: num(params.min_date),
    maxDate: num(params.max_date),
    offsetRate,
    offsetRank: offsetPeerRank(viewer, params.offset_peer as TlObject | undefined),
    offsetId: num(params.offset_id),
    limit,
    match,
  })
  const list = messageList(ctx.world, viewer, picks)
  if (offsetRate === 0 && picks.length === count) return { _: 'messages.messages', ...list, topics: [] }
  const last = picks[picks.length - 1]
  return {
    _: 'messages.messagesSlice',
    count,
    next_rate: last ? last.history.dates[last.index] : undefined,
    ...list,
    topics: [],
  }
}

/**
 * messages.getMessages: ids in the account's common sequence (private chats and basic groups);
 * ids that name nothing come back as messageEmpty, in request order.
 */
function getMessages(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const histories = [...ctx.world.privateChats.map((c) => c.history), ...ctx.world.chats.map((c) => c.history)]
  return messagesById(ctx.world, viewer, histories, params.id as TlObject[], (list) => ({ _: 'messages.messages', ...list, topics: [] }))
}

export function messagesById(
  world: World,
  viewer: Viewer,
  histories: readonly History[],
  ids: readonly TlObject[],
  wrap: (list: { messages: TlObject[]; chats: TlObject[]; users: TlObject[] }) => TlObject,
): TlObject {
  const refs = new PeerRefs()
  const messages: TlObject[] = []
  for (const input of ids) {
    const id = input._ === 'inputMessageID' || input._ === 'inputMessageReplyTo' ? num(input.id) : 0
    let found: TlObject | undefined
    for (const history of histories) {
      const index = history.indexOfId(id)
      if (index >= 0) {
        found = materializeMessage(world, history, index, viewer, refs)
        break
      }
    }
    messages.push(found ?? { _: 'messageEmpty', id })
  }
  return wrap({ messages, ...peersFor(world, viewer, refs) })
}

function getFullChat(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const chat = ctx.world.chatsById.get(num(params.chat_id))
  if (!chat) throw new RpcError(400, 'CHAT_ID_INVALID')
  const [creator, ...others] = chat.memberUserIds
  const participants: TlObject[] = [
    { _: 'chatParticipantCreator', user_id: creator },
    ...others.map((id) => ({ _: 'chatParticipant', user_id: id, inviter_id: creator, date: chat.date })),
    { _: 'chatParticipant', user_id: viewer.user.id, inviter_id: creator, date: chat.date },
  ]
  const refs = new PeerRefs().addChat(chat.id)
  for (const id of [...chat.memberUserIds, viewer.user.id]) refs.addUser(id)
  return {
    _: 'messages.chatFull',
    full_chat: {
      _: 'chatFull',
      id: chat.id,
      about: '',
      participants: { _: 'chatParticipants', chat_id: chat.id, participants, version: 1 },
      notify_settings: { _: 'peerNotifySettings' },
    },
    ...peersFor(ctx.world, viewer, refs),
  }
}

