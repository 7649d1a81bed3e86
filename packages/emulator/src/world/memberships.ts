import { RpcError } from '../rpc/rpc-error.ts'
import type { World, WorldChannel } from './world.ts'

/**
 * Which channels each account is in: the world's default memberships, plus what the account
 * joined, minus what it left, plus the join requests it has sent (channels that admit members
 * by approval; no admin here ever answers one). Per account, and kept in the accounts state so
 * a sandbox restart keeps them.
 */

/** Telegram's limit on channels and supergroups for an account without Premium (channels_limit_default). */
export const DEFAULT_CHANNEL_LIMIT = 500

/** One account's changes to the world's default memberships, as stored. */
export interface MembershipState {
  joined: number[]
  left?: number[]
  requested?: number[]
}

interface AccountMemberships {
  joined: Set<number>
  left: Set<number>
  requested: Set<number>
}

export class Memberships {
  private readonly byUser = new Map<number, AccountMemberships>()

  private readonly channelLimit: number

  constructor(channelLimit: number = DEFAULT_CHANNEL_LIMIT) {
    this.channelLimit = channelLimit
  }

  isMember(userId: number, channel: WorldChannel): boolean {
    const own = this.byUser.get(userId)
    if (own?.joined.has(channel.id)) return true
    return channel.memberByDefault && !own?.left.has(channel.id)
  }

  /** Channels and supergroups the account is in. */
  count(userId: number, world: World): number {
    let count = 0
    for (const channel of world.channels) if (this.isMember(userId, channel)) count++
    return count
  }

  /** Joins; 400 CHANNELS_TOO_MUCH once the account is in as many as the limit allows. */
  join(userId: number, world: World, channel: WorldChannel): void {
    if (this.isMember(userId, channel)) return
    if (this.count(userId, world) >= this.channelLimit) throw new RpcError(400, 'CHANNELS_TOO_MUCH')
    const own = this.of(userId)
    own.left.delete(channel.id)
    own.requested.delete(channel.id)
    if (!channel.memberByDefault) own.joined.add(channel.id)
  }

  /** Leaves; 400 USER_NOT_PARTICIPANT for a channel the account is not in. */
  leave(userId: number, channel: WorldChannel): void {
    if (!this.isMember(userId, channel)) throw new RpcError(400, 'USER_NOT_PARTICIPANT')
    const own = this.of(userId)
    own.joined.delete(channel.id)
    if (channel.memberByDefault) own.left.add(channel.id)
  }

  /** Records a join request to a channel that admits members by approval. */
  request(userId: number, channel: WorldChannel): void {
    this.of(userId).requested.add(channel.id)
  }

  /** Channels the account has asked to join and is waiting for. */
  requested(userId: number): ReadonlySet<number> {
    return this.byUser.get(userId)?.requested ?? new Set()
  }

  toJSON(userId: number): MembershipState {
    const own = this.byUser.get(userId)
    if (own === undefined) return { joined: [] }
    return {
      joined: [...own.joined],
      ...(own.left.size > 0 ? { left: [...own.left] } : {}),
      ...(own.requested.size > 0 ? { requested: [...own.requested] } : {}),
    }
  }

  restore(userId: number, state: MembershipState): void {
    this.byUser.set(userId, {
      joined: new Set(state.joined),
      left: new Set(state.left ?? []),
      requested: new Set(state.requested ?? []),
    })
  }

  private of(userId: number): AccountMemberships {
    let own = this.byUser.get(userId)
    if (own === undefined) {
      own = { joined: new Set(), left: new Set(), requested: new Set() }
      this.byUser.set(userId, own)
    }
    return own
  }
}
