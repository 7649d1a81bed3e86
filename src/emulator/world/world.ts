import type { History } from './history.ts'

/**
 * The emulator's world: the users, channels and chats every account sees, and their histories.
 * Built once by `generateWorld` and never mutated; what changes per account (membership, the
 * signed-in user) lives in `Accounts`.
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
  username: string
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
  /** Every account starts as a member; other channels are found by username and joined. */
  memberByDefault: boolean
  /** Typical view count of a post, for realistic `views`. */
  audience: number
  history: History
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
