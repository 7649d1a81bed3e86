/**
 * Channel events as Telegram sends them (https://core.telegram.org/api/updates): the push of
 * one event, and the answer of updates.getChannelDifference.
 *
 * updateNewChannelMessage#62ba04d9 message:Message pts:int pts_count:int = Update;
 * updateEditChannelMessage#1b3f4df7 message:Message pts:int pts_count:int = Update;
 * updateDeleteChannelMessages#c32d5b12 channel_id:long messages:Vector<int> pts:int pts_count:int = Update;
 * updates#74ae4240 updates:Vector<Update> users:Vector<User> chats:Vector<Chat> date:int seq:int = Updates;
 */
import type { TlObject } from '../tl/tl-object.ts'
import type { ChannelEvent } from '../world/channel-log.ts'
import { materializeMessage } from '../world/message-factory.ts'
import { peersFor } from '../world/peer-objects.ts'
import { PeerRefs } from '../world/peer-refs.ts'
import type { Viewer } from '../world/viewer.ts'
import type { World, WorldChannel } from '../world/world.ts'
import { channelEntry, dialogObject } from './dialogs.ts'
import { clampLimit } from './history-page.ts'

/** Seconds Telegram tells a client to wait before asking for a channel's difference again. */
export const CHANNEL_DIFFERENCE_TIMEOUT = 30

/** The Update for one event, or undefined when its message is gone again (deleted since). */
function eventUpdate(world: World, viewer: Viewer, channel: WorldChannel, event: ChannelEvent, refs: PeerRefs): TlObject | undefined {
  if (event.kind === 'delete') {
    return { _: 'updateDeleteChannelMessages', channel_id: channel.id, messages: [...event.ids], pts: event.pts, pts_count: event.ptsCount }
  }
  const index = channel.history.indexOfId(event.id)
  if (index < 0) return undefined
  const message = materializeMessage(world, channel.history, index, viewer, refs)
  const type = event.kind === 'new' ? 'updateNewChannelMessage' : 'updateEditChannelMessage'
  return { _: type, message, pts: event.pts, pts_count: event.ptsCount }
}

/** The `updates` pushed for one event (seq 0: channel updates live outside the common sequence). */
export function channelEventPush(world: World, viewer: Viewer, channel: WorldChannel, event: ChannelEvent, date: number): TlObject | undefined {
  const refs = new PeerRefs().addChannel(channel.id)
  const update = eventUpdate(world, viewer, channel, event, refs)
  if (update === undefined) return undefined
  return { _: 'updates', updates: [update], ...peersFor(world, viewer, refs), date, seq: 0 }
}

/**
 * updates.getChannelDifference from `pts`, at most `limit` events:
 * updates.channelDifferenceEmpty#3e11affb flags:# final:flags.0?true pts:int timeout:flags.1?int
 * updates.channelDifference#2064674e flags:# final:flags.0?true pts:int timeout:flags.1?int
 *   new_messages:Vector<Message> other_updates:Vector<Update> chats:Vector<Chat> users:Vector<User>
 * updates.channelDifferenceTooLong#a4bcc6fe flags:# final:flags.0?true timeout:flags.1?int
 *   dialog:Dialog messages:Vector<Message> chats:Vector<Chat> users:Vector<User>
 * New posts go in new_messages as they read now; edits and deletions in other_updates.
 */
export function channelDifference(world: World, viewer: Viewer, channel: WorldChannel, pts: number, limit: number): TlObject {
  const timeout = CHANNEL_DIFFERENCE_TIMEOUT
  const difference = channel.log.since(pts, clampLimit(limit))
  const refs = new PeerRefs().addChannel(channel.id)
  if (difference.kind === 'empty') return { _: 'updates.channelDifferenceEmpty', final: true, pts: difference.pts, timeout }
  if (difference.kind === 'tooLong') {
    const { history } = channel
    const newest: TlObject[] = []
    for (let i = history.length - 1; i >= 0 && newest.length < clampLimit(limit); i--) {
      newest.push(materializeMessage(world, history, i, viewer, refs))
    }
    const dialog = dialogObject(world, channelEntry(channel))
    return { _: 'updates.channelDifferenceTooLong', final: true, timeout, dialog, messages: newest, ...peersFor(world, viewer, refs) }
  }
  const newMessages: TlObject[] = []
  const otherUpdates: TlObject[] = []
  for (const event of difference.events) {
    const update = eventUpdate(world, viewer, channel, event, refs)
    if (update === undefined) continue
    if (update._ === 'updateNewChannelMessage') newMessages.push(update.message as TlObject)
    else otherUpdates.push(update)
  }
  return {
    _: 'updates.channelDifference',
    final: difference.final,
    pts: difference.pts,
    timeout,
    new_messages: newMessages,
    other_updates: otherUpdates,
    ...peersFor(world, viewer, refs),
  }
}
