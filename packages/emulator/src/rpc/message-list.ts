import type { TlObject } from '../tl/tl-object.ts'
import type { History } from '../world/history.ts'
import { materializeMessage } from '../world/message-factory.ts'
import { peersFor } from '../world/peer-objects.ts'
import { PeerRefs } from '../world/peer-refs.ts'
import type { Viewer } from '../world/viewer.ts'
import type { World } from '../world/world.ts'

/** Messages picked from one or more histories, with the `chats` and `users` they mention. */
export interface MessageList {
  messages: TlObject[]
  chats: TlObject[]
  users: TlObject[]
}

export function messageList(world: World, viewer: Viewer, picks: readonly { history: History; index: number }[], refs = new PeerRefs()): MessageList {
  const messages = picks.map((pick) => materializeMessage(world, pick.history, pick.index, viewer, refs))
  return { messages, ...peersFor(world, viewer, refs) }
}
