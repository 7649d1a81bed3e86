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
}

/** A channel's pts: one event per message in this static world. */
export function channelPts(channel: WorldChannel): number {
  return Math.max(1, channel.history.topId)
}

/** The account's common pts (private chats and basic groups share it, as their message ids). */
export function accountPts(world: World): number {
  let pts = 1
  for (const chat of world.chats) pts = Math.max(pts, chat.history.topId)
  for (const chat of world.privateChats) pts = Math.max(pts, chat.history.topId)
  return pts
}

/** Every dialog the viewer has, in Telegram's order: newest top message first. */
export function dialogsOf(world: World, viewer: Viewer): DialogEntry[] {
  const entries: DialogEntry[] = []
  for (const channel of world.channels) {
    if (viewer.isMember(channel.id) && channel.history.length > 0) {
      entries.push({ kind: 'channel', peerId: channel.id, history: channel.history, channel })
    }
  }
  for (const chat of world.chats) if (chat.history.length > 0) entries.push({ kind: 'chat', peerId: chat.id, history: chat.history })
  for (const chat of world.privateChats) {
    if (chat.history.length > 0) entries.push({ kind: 'user', peerId: chat.userId, history: chat.history })
  }
  entries.sort((a, b) => compareDialogKeys(keyOf(b), keyOf(a)))
  return entries
}

export type DialogKey = readonly [date: number, topId: number, peerId: number]

export function keyOf(entry: DialogEntry): DialogKey {
  return [entry.history.topDate, entry.history.topId, entry.peerId]
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
    peer: peerOfDialog(entry),
    top_message: history.topId,
    read_inbox_max_id: readInboxMaxId,
    read_outbox_max_id: history.topId,
    unread_count: unread,
    unread_mentions_count: 0,
    unread_reactions_count: 0,
    notify_settings: { _: 'peerNotifySettings' },
    pts: entry.channel ? channelPts(entry.channel) : undefined,
  }
}
