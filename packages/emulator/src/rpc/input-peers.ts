import type { TlObject } from '../tl/tl-object.ts'
import type { History } from '../world/history.ts'
import type { AccountUser, Viewer } from '../world/viewer.ts'
import type { World, WorldChannel, WorldChat, WorldUser } from '../world/world.ts'
import { RpcError } from './rpc-error.ts'

/**
 * Resolves Input* constructors to world peers with Telegram's errors: an unknown channel is
 * 400 CHANNEL_INVALID, a known one with the wrong access_hash 400 CHANNEL_PRIVATE (as for a
 * channel one may not see), an unknown user 400 PEER_ID_INVALID / USER_ID_INVALID.
 * The *FromMessage forms (min peers) are trusted by id.
 */

export type ResolvedPeer =
  | { kind: 'channel'; channel: WorldChannel }
  | { kind: 'chat'; chat: WorldChat }
  | { kind: 'self'; user: AccountUser }
  | { kind: 'user'; user: WorldUser }

export function resolveInputPeer(world: World, viewer: Viewer, input: TlObject): ResolvedPeer {
  switch (input._) {
    case 'inputPeerSelf':
      return { kind: 'self', user: viewer.user }
    case 'inputPeerUser':
    case 'inputPeerUserFromMessage': {
      const id = Number(input.user_id)
      if (id === viewer.user.id) return { kind: 'self', user: viewer.user }
      const user = world.usersById.get(id)
      if (!user || (input._ === 'inputPeerUser' && BigInt(input.access_hash as bigint) !== user.accessHash)) {
        throw new RpcError(400, 'PEER_ID_INVALID')
      }
      return { kind: 'user', user }
    }
    case 'inputPeerChat': {
      const chat = world.chatsById.get(Number(input.chat_id))
      if (!chat) throw new RpcError(400, 'PEER_ID_INVALID')
      return { kind: 'chat', chat }
    }
    case 'inputPeerChannel':
    case 'inputPeerChannelFromMessage':
      return { kind: 'channel', channel: channelById(world, input) }
    default:
      throw new RpcError(400, 'PEER_ID_INVALID')
  }
}

export function resolveInputChannel(world: World, input: TlObject): WorldChannel {
  if (input._ !== 'inputChannel' && input._ !== 'inputChannelFromMessage') throw new RpcError(400, 'CHANNEL_INVALID')
  return channelById(world, input)
}

export function resolveInputUser(world: World, viewer: Viewer, input: TlObject): { kind: 'self'; user: AccountUser } | { kind: 'user'; user: WorldUser } {
  switch (input._) {
    case 'inputUserSelf':
      return { kind: 'self', user: viewer.user }
    case 'inputUser':
    case 'inputUserFromMessage': {
      const id = Number(input.user_id)
      if (id === viewer.user.id) return { kind: 'self', user: viewer.user }
      const user = world.usersById.get(id)
      if (!user || (input._ === 'inputUser' && BigInt(input.access_hash as bigint) !== user.accessHash)) {
        throw new RpcError(400, 'USER_ID_INVALID')
      }
      return { kind: 'user', user }
    }
    default:
      throw new RpcError(400, 'USER_ID_INVALID')
  }
}

/** The history of a resolved peer; users other than the private-chat partner have none. */
export function historyOf(world: World, peer: ResolvedPeer): History | undefined {
  switch (peer.kind) {
    case 'channel':
      return peer.channel.history
    case 'chat':
      return peer.chat.history
    case 'user':
      return world.privateChatsByUserId.get(peer.user.id)?.history
    case 'self':
      return undefined
  }
}

function channelById(world: World, input: TlObject): WorldChannel {
  const channel = world.channelsById.get(Number(input.channel_id))
  if (!channel) throw new RpcError(400, 'CHANNEL_INVALID')
  if (input.access_hash !== undefined && BigInt(input.access_hash as bigint) !== channel.accessHash) {
    throw new RpcError(400, 'CHANNEL_PRIVATE')
  }
  return channel
}
