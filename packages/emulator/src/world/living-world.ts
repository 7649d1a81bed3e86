/**
 * The world moving on: posts, edits and deletions in a channel. Each one changes the channel's
 * History (what every read sees) and is recorded in its ChannelLog (pts, and the event that
 * updates.getChannelDifference replays). Pure world state: who is told is update-push's part.
 */
import type { ChannelEvent } from './channel-log.ts'
import { MessageKind } from './history.ts'
import { inventText } from './message-text.ts'
import { mix32, Prng } from './prng.ts'
import type { World, WorldChannel } from './world.ts'

/** Posts a message (text invented from the seed when none is given) dated `date`, Unix seconds. */
export function postMessage(world: World, channel: WorldChannel, date: number, text?: string): ChannelEvent {
  const { history, log } = channel
  const id = log.nextId()
  // Dates never go backwards within a history, whatever a test's clock says.
  const at = Math.max(date, history.topDate)
  const body = text ?? inventText(new Prng(mix32(world.seed, 0x9057, channel.id, id)), 3, 30).text
  history.append({ id, date: at, kind: MessageKind.Text, author: id % world.users.length, ref: 0 })
  return log.recordPost(id, at, body)
}

/** Replaces a message's text; undefined when the channel has no such message. */
export function editMessage(channel: WorldChannel, id: number, date: number, text: string): ChannelEvent | undefined {
  const index = channel.history.indexOfId(id)
  if (index < 0 || channel.history.isService(index)) return undefined
  return channel.log.recordEdit(id, date, text)
}

/** Deletes messages; undefined when none of the ids names a message of the channel. */
export function deleteMessages(channel: WorldChannel, ids: readonly number[], date: number): ChannelEvent | undefined {
  const removed = channel.history.remove(ids)
  if (removed.length === 0) return undefined
  return channel.log.recordDelete(removed, date)
}
