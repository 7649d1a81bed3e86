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
