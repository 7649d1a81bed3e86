/**
 * The `channels` query parameter of the message routes (docs/spec.md §10): usernames or ids,
 * comma-separated (`durov,-1001234567890`). Absent means every channel; anything else must
 * name at least one channel, each item well formed.
 */
import { badRequest } from '../errors.ts'
import { parseChannelList, type ChannelName } from '../telegram/channel-reference.ts'

/** More names than this in one query is a mistake, not a selection. */
export const MAX_SELECTED_CHANNELS = 200

export function parseChannelSelection(text: string | undefined): ChannelName[] | undefined {
  if (text === undefined) return undefined
  const { names, invalid } = parseChannelList(text)
  if (invalid.length > 0) {
    const list = invalid.slice(0, 5).map((item) => JSON.stringify(item.slice(0, 40))).join(', ')
    throw badRequest(`query field "channels": not a username or channel id: ${list}`)
  }
  if (names.length === 0) throw badRequest('query field "channels": name at least one channel (a username or an id), or leave it out')
  if (names.length > MAX_SELECTED_CHANNELS) throw badRequest(`query field "channels": at most ${MAX_SELECTED_CHANNELS} channels`)
  return names
}
