/**
 * The users, basic groups and channels a response mentions. Telegram sends every peer an
 * answer refers to (authors, repliers, forward sources, inviters) in its `users` and `chats`
 * vectors; handlers collect them here while building messages.
 */
export class PeerRefs {
  readonly users = new Set<number>()
  readonly chats = new Set<number>()
  readonly channels = new Set<number>()

  addUser(id: number): this {
    this.users.add(id)
    return this
  }

  addChat(id: number): this {
    this.chats.add(id)
    return this
  }

  addChannel(id: number): this {
    this.channels.add(id)
    return this
  }
}
