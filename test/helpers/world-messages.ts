/**
 * What `/messages` must return for a window, computed straight from the emulator's world
 * (packages/emulator/world) rather than through any code of the service: every non-service message
 * of the channels and supergroups the account is a member of with after < date <= upTo, in the
 * service's order (src/telegram/history/channel-history.ts): date descending, then channel id
 * ascending, then message id descending.
 */
import type { History, World, WorldChannel } from '@telegram-connector/emulator/testing'

export interface WorldMessageRef {
  channel: WorldChannel
  history: History
  index: number
  id: number
  date: number
}

/** Every message of `history` with after < date <= upTo, oldest first. */
function inWindow(history: History, after: number, upTo: number): number[] {
  const indexes: number[] = []
  for (let i = 0; i < history.length; i++) {
    if (history.dates[i] > after && history.dates[i] <= upTo) indexes.push(i)
  }
  return indexes
}

/** The channels an account sees without joining anything. */
export function memberChannels(world: World): WorldChannel[] {
  return world.channels.filter((channel) => channel.memberByDefault)
}

export function expectedChannelMessages(world: World, after: number, upTo: number): WorldMessageRef[] {
  return expectedMessagesOf(memberChannels(world), after, upTo)
}

/** What `/messages` must return when the account is in exactly `channels`. */
export function expectedMessagesOf(channels: readonly WorldChannel[], after: number, upTo: number): WorldMessageRef[] {
  const refs: WorldMessageRef[] = []
  for (const channel of channels) {
    for (const index of inWindow(channel.history, after, upTo)) {
      if (channel.history.isService(index)) continue
      refs.push({ channel, history: channel.history, index, id: channel.history.ids[index], date: channel.history.dates[index] })
    }
  }
  return refs.sort((a, b) => b.date - a.date || a.channel.id - b.channel.id || b.id - a.id)
}

/** The member channels' service messages (pins, joins, creation) in the window. */
export function serviceChannelMessages(world: World, after: number, upTo: number): WorldMessageRef[] {
  const refs: WorldMessageRef[] = []
  for (const channel of memberChannels(world)) {
    for (const index of inWindow(channel.history, after, upTo)) {
      if (!channel.history.isService(index)) continue
      refs.push({ channel, history: channel.history, index, id: channel.history.ids[index], date: channel.history.dates[index] })
    }
  }
  return refs
}

/** How many messages the private chats and basic groups have in the window. */
export function nonChannelMessageCount(world: World, after: number, upTo: number): { privateChats: number, basicGroups: number } {
  return {
    privateChats: world.privateChats.reduce((n, chat) => n + inWindow(chat.history, after, upTo).length, 0),
    basicGroups: world.chats.reduce((n, chat) => n + inWindow(chat.history, after, upTo).length, 0),
  }
}

/** `channelId:messageId`, the identity of a channel message. */
export function messageKey(channelId: number, id: number): string {
  return `${channelId}:${id}`
}

/** Unix seconds as the ISO 8601 text a client sends. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}
