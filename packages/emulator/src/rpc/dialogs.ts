import type { TlObject } from '../tl/tl-object.ts'
import type { History } from '../world/history.ts'
import { peerChannel, peerChat, peerUser } from '../world/peer-objects.ts'
import { mix32 } from '../world/prng.ts'
import type { Viewer } from '../world/viewer.ts'
import type { World, WorldChannel } from '../world/world.ts'

/** One entry of the viewer's dialog list. */
export interface DialogEntry {
  kind: 'channel' | 'chat' | 'user'
  /** Channel, chat or partner user id; also the tie-break between dialogs of equal date and top id. */
  peerId: number
  history: History
  channel?: WorldChannel
  /** Peer folder: 0 the main list, 1 the archive. */
  folderId: 0 | 1
  pinned: boolean
  /** The dialog's top_message: the history's newest id, or a deleted one the dialog still names. */
  topId: number
  /** What the dialog sorts by: its top message's date, or a newer draft's. */
  sortDate: number
}

/** messages.getDialogs' folder_id: absent lists every folder together. */
export type FolderFilter = 0 | 1 | undefined

/** A request's folder_id (flags.1?int): 1 the archive, any other value the main list. */
export function folderFilter(value: unknown): FolderFilter {
  if (value === undefined) return undefined
  return Number(value) === 1 ? 1 : 0
}

/** A channel's pts: what its log has reached (one step per generated message, then per event). */
export function channelPts(channel: WorldChannel): number {
  return channel.log.pts
}

/** The account's common pts (private chats and basic groups share it, as their message ids). */
export function accountPts(world: World): number {
  let pts = 1
  for (const chat of world.chats) pts = Math.max(pts, chat.history.topId)
  for (const chat of world.privateChats) pts = Math.max(pts, chat.history.topId)
  return pts
}

/**
 * Every dialog the viewer has in `folder`, in Telegram's order: pinned dialogs first in their
 * pin order, then the rest by what they sort by (top message or newer draft), newest first.
 */
export function dialogsOf(world: World, viewer: Viewer, folder: FolderFilter = undefined): DialogEntry[] {
  const entries: DialogEntry[] = []
  for (const channel of world.channels) {
    if (viewer.isMember(channel.id) && channel.history.length > 0) entries.push(channelEntry(channel))
  }
  for (const chat of world.chats) if (chat.history.length > 0) entries.push(plainEntry('chat', chat.id, chat.history))
  for (const chat of world.privateChats) {
    if (chat.history.length > 0) entries.push(plainEntry('user', chat.userId, chat.history))
  }
  const inFolder = entries.filter((entry) => folder === undefined || entry.folderId === folder)
  const pinOrder = (entry: DialogEntry): number => entry.channel?.dialog.pinOrder ?? 0
  const pinned = inFolder.filter((entry) => entry.pinned).sort((a, b) => pinOrder(a) - pinOrder(b))
  const rest = inFolder.filter((entry) => !entry.pinned).sort((a, b) => compareDialogKeys(keyOf(b), keyOf(a)))
  return [...pinned, ...rest]
}

export function channelEntry(channel: WorldChannel): DialogEntry {
  const { dialog, history } = channel
  // A post after the deleted top message is the dialog's top again.
  const deletedTop = dialog.deletedTop !== undefined && dialog.deletedTop.id > history.topId ? dialog.deletedTop : undefined
  const topDate = deletedTop?.date ?? history.topDate
  return {
    kind: 'channel',
    peerId: channel.id,
    history,
    channel,
    folderId: dialog.folderId,
    pinned: dialog.pinned,
    topId: deletedTop?.id ?? history.topId,
    sortDate: Math.max(topDate, dialog.draftDate ?? 0),
  }
}

function plainEntry(kind: 'chat' | 'user', peerId: number, history: History): DialogEntry {
  return { kind, peerId, history, folderId: 0, pinned: false, topId: history.topId, sortDate: history.topDate }
}

export type DialogKey = readonly [date: number, topId: number, peerId: number]

export function keyOf(entry: DialogEntry): DialogKey {
  return [entry.sortDate, entry.topId, entry.peerId]
}

export function compareDialogKeys(a: DialogKey, b: DialogKey): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

export function peerOfDialog(entry: DialogEntry): TlObject {
  return entry.kind === 'channel' ? peerChannel(entry.peerId) : entry.kind === 'chat' ? peerChat(entry.peerId) : peerUser(entry.peerId)
}

/** The `dialog` object: read state derived from the seed, a few unread messages in some dialogs. */
export function dialogObject(world: World, entry: DialogEntry): TlObject {
  const { history } = entry
  const unread = Math.min(history.length - 1, mix32(world.seed, 0xd1a, entry.peerId) % 6)
  const readInboxMaxId = unread > 0 ? history.ids[history.length - 1 - unread] : history.topId
  return {
    _: 'dialog',
    pinned: entry.pinned,
    peer: peerOfDialog(entry),
    top_message: entry.topId,
    read_inbox_max_id: readInboxMaxId,
    read_outbox_max_id: history.topId,
    unread_count: unread,
    unread_mentions_count: 0,
    unread_reactions_count: 0,
    notify_settings: { _: 'peerNotifySettings' },
    pts: entry.channel ? channelPts(entry.channel) : undefined,
    draft: entry.channel?.dialog.draftDate === undefined ? undefined : { _: 'draftMessage', message: 'to be continued', date: entry.channel.dialog.draftDate },
    folder_id: entry.folderId === 0 ? undefined : entry.folderId,
  }
}

/**
 * dialogFolder: the archive as one entry of the main list, pinned on top, named by the top
 * message of its newest dialog (TL: dialogFolder#71bd134c flags:# pinned:flags.2?true
 * folder:Folder peer:Peer top_message:int unread_muted_peers_count:int ...).
 */
export function dialogFolderObject(newest: DialogEntry): TlObject {
  return {
    _: 'dialogFolder',
    pinned: true,
    folder: { _: 'folder', id: 1, title: 'Archived Chats' },
    peer: peerOfDialog(newest),
    top_message: newest.topId,
    unread_muted_peers_count: 0,
    unread_unmuted_peers_count: 0,
    unread_muted_messages_count: 0,
    unread_unmuted_messages_count: 0,
  }
}
