import type { Accounts } from './accounts.ts'
import type { World } from './world.ts'

/**
 * The signed-in account a response is built for: the world is shared, but `out`, `self`,
 * `left` and the private chat's sender depend on who is looking.
 */
export interface AccountUser {
  id: number
  accessHash: bigint
  phone: string
  firstName: string
  lastName: string
}

export interface Viewer {
  user: AccountUser
  isMember(channelId: number): boolean
}

/** The viewer for an account: a member of the channels its memberships say (default ones, joins, leaves). */
export function accountViewer(world: World, accounts: Accounts, user: AccountUser): Viewer {
  return {
    user,
    isMember: (channelId) => {
      const channel = world.channelsById.get(channelId)
      return channel !== undefined && accounts.memberships.isMember(user.id, channel)
    },
  }
}
