import type { ChannelLog } from './channel-log.ts'
import type { History } from './history.ts'

/**
 * The emulator's world: the users, channels and chats every account sees, and their histories.
 * Built by `generateWorld`; after that only channels change, through the living world
 * (living-world.ts: posts, edits, deletions in each channel's History and ChannelLog). What
 * changes per account (membership, the signed-in user) lives in `Accounts`.
 */

export interface WorldUser {
  id: number
  accessHash: bigint
  firstName: string
  lastName?: string
  username?: string
}

export interface WorldChannel {
  id: number
  accessHash: bigint
  title: string
  /** The public username; absent for a private channel, which is joined by invite link only. */
  username?: string
  about: string
  /** true: broadcast channel; false: supergroup (megagroup). */
  broadcast: boolean
  /** Creation date (unix seconds). */
  date: number
  participantsCount: number
  /** Broadcast posts carry `post_author`. */
  signatures: boolean
  /** Discussion supergroup of a broadcast channel (comments), or the channel a supergroup discusses. */
  linkedChatId?: number
  /** Every account starts as a member; other channels are found by username or invite link and joined. */
  memberByDefault: boolean
  /** Typical view count of a post, for realistic `views`. */
  audience: number
  history: History
  /** pts, recent events and written texts since the world was generated. */
  log: ChannelLog
  /** How the channel's dialog looks in the account's dialog list. */
  dialog: ChannelDialog
}

/**
 * What Telegram's dialog list says of a member channel beyond its history: the shapes real
 * accounts have (core.telegram.org/api/folders, /api/drafts) that a client paging
 * messages.getDialogs must not trip over.
 */
export interface ChannelDialog {
  /** 0: the main list; 1: the archive (peer folder 1). */
  folderId: 0 | 1
  /** Pinned dialogs come first in their folder, in ascending `pinOrder`. */
  pinned: boolean
  pinOrder: number
  /**
   * The newest message was deleted while the dialog still names it as top_message: the dialog
   * sorts by its date, getHistory no longer returns it, and getDialogs sends it as messageEmpty
   * ('empty') or leaves it out of its messages ('missing').
   */
  deletedTop?: { id: number; date: number; shown: 'empty' | 'missing' }
  /** Date of an unsent draft; the dialog sorts by it when it is newer than the top message. */
  draftDate?: number
  /** getDialogs describes the channel only by its min constructor (no access_hash). */
  min: boolean
}

/** A basic group (`chat`); its participants are these users plus the viewing account. */
export interface WorldChat {
  id: number
  title: string
  date: number
  memberUserIds: number[]
  history: History
}

/** A one-to-one conversation between the viewing account and a world user. */
export interface WorldPrivateChat {
  userId: number
  history: History
}

export interface World {
  seed: number
  now: number
  /** DC id written into photo and document objects. */
  dcId: number
  users: WorldUser[]
  channels: WorldChannel[]
  chats: WorldChat[]
  privateChats: WorldPrivateChat[]
  usersById: Map<number, WorldUser>
  channelsById: Map<number, WorldChannel>
  chatsById: Map<number, WorldChat>
  privateChatsByUserId: Map<number, WorldPrivateChat>
  /** Lower-cased username → the user or channel carrying it. */
  usernames: Map<string, { kind: 'user'; user: WorldUser } | { kind: 'channel'; channel: WorldChannel }>
  /** Invite links (t.me/+<hash>) by hash. */
  invites: Map<string, WorldInvite>
}

/**
 * An invite link to a channel (https://core.telegram.org/api/invites#invite-links): `open`
 * joins at once, `approval` sends a join request to the admins, `expired` is past its date.
 */
export interface WorldInvite {
  hash: string
  channelId: number
  kind: 'open' | 'approval' | 'expired'
}

/** Which conversation a history belongs to. */
export type HistoryOwner =
  | { kind: 'channel'; id: number }
  | { kind: 'chat'; id: number }
  | { kind: 'user'; id: number }

/** Stable string key of a conversation, e.g. `channel:2100000000`. */
export function ownerKey(owner: HistoryOwner): string {
  return `${owner.kind}:${owner.id}`
}
