import type { AccountUser, Accounts } from './accounts.ts'
export type { AccountUser } from './accounts.ts'
import type { World } from './world.ts'

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
