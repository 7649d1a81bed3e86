import type { TlObject } from '../tl/tl-object.ts'
import type { PeerRefs } from './peer-refs.ts'
import type { AccountUser, Viewer } from './viewer.ts'
import type { World, WorldChannel, WorldChat, WorldUser } from './world.ts'

/** TL objects for the world's peers, in the layer-227 field set (the codec adapts per layer). */

export function peerUser(userId: number): TlObject {
  return { _: 'peerUser', user_id: userId }
}

export function peerChat(chatId: number): TlObject {
  return { _: 'peerChat', chat_id: chatId }
}

export function peerChannel(channelId: number): TlObject {
  return { _: 'peerChannel', channel_id: channelId }
}

/** `user#…` for the signed-in account itself: `self` set, phone visible. */
export function selfUserObject(user: AccountUser): TlObject {
  return {
    _: 'user',
    self: true,
    contact: false,
    id: user.id,
    access_hash: user.accessHash,
    first_name: user.firstName,
    last_name: user.lastName || undefined,
    phone: user.phone,
    status: { _: 'userStatusOnline', expires: 0x7fffffff },
  }
}

export function userObject(user: WorldUser): TlObject {
  return {
    _: 'user',
    id: user.id,
    access_hash: user.accessHash,
    first_name: user.firstName,
    last_name: user.lastName,
    username: user.username,
    status: { _: 'userStatusRecently' },
  }
}

export function channelObject(channel: WorldChannel, isMember: boolean): TlObject {
  return {
    _: 'channel',
    left: !isMember,
    broadcast: channel.broadcast,
    megagroup: !channel.broadcast,
    signatures: channel.signatures,
    has_link: channel.linkedChatId !== undefined,
    id: channel.id,
    access_hash: channel.accessHash,
    title: channel.title,
    username: channel.username,
    photo: { _: 'chatPhotoEmpty' },
    date: channel.date,
    participants_count: channel.participantsCount,
    // Members of a supergroup may post; everyone else only reads (chatBannedRights, TL: until_date:int).
    default_banned_rights: channel.broadcast
      ? undefined
      : { _: 'chatBannedRights', until_date: 0x7fffffff, change_info: true, pin_messages: true },
  }
}

export function chatObject(chat: WorldChat): TlObject {
  return {
    _: 'chat',
    id: chat.id,
    title: chat.title,
    photo: { _: 'chatPhotoEmpty' },
    // The viewing account is a member too.
    participants_count: chat.memberUserIds.length + 1,
    date: chat.date,
    version: 1,
  }
}

/** The `users` and `chats` vectors for everything `refs` mentions, in a stable order. */
export function peersFor(world: World, viewer: Viewer, refs: PeerRefs): { users: TlObject[]; chats: TlObject[] } {
  const users: TlObject[] = []
  for (const id of [...refs.users].sort((a, b) => a - b)) {
    if (id === viewer.user.id) {
      users.push(selfUserObject(viewer.user))
      continue
    }
    const user = world.usersById.get(id)
    if (user) users.push(userObject(user))
  }
  const chats: TlObject[] = []
  for (const id of [...refs.chats].sort((a, b) => a - b)) {
    const chat = world.chatsById.get(id)
    if (chat) chats.push(chatObject(chat))
  }
  for (const id of [...refs.channels].sort((a, b) => a - b)) {
    const channel = world.channelsById.get(id)
    if (channel) chats.push(channelObject(channel, viewer.isMember(id)))
  }
  return { users, chats }
}
