/**
 * An in-memory stand-in for the two RPCs channel-history uses, answering the way Telegram
 * pages them (core.telegram.org/api/offsets): getHistory returns messages newest first with
 * id < offset_id, or else date < offset_date; getDialogs lists pinned dialogs first, then the
 * rest by top message date descending, continuing after (offset_date, offset_id).
 * Records every call, and can fail chosen calls, for tests that need exact counts.
 */
import { Long, tl } from '@mtcute/core'

export interface FakeMessage {
  id: number
  date: number
  kind: 'message' | 'service' | 'empty'
}

export interface FakeConversation {
  peer: tl.TypePeer
  title: string
  username?: string
  pinned?: boolean
  /** Ascending ids, non-decreasing dates. */
  messages: FakeMessage[]
}

export interface RecordedCall {
  method: string
  request: Record<string, unknown>
}

export class FakeTelegram {
  readonly calls: RecordedCall[] = []
  inFlight = 0
  maxInFlight = 0
  /** Errors to throw, per method, in order (consumed one per call). */
  readonly failures = new Map<string, Error[]>()
  /** Milliseconds each call takes (a macrotask delay), to observe concurrency. */
  delayMs = 0

  constructor(readonly conversations: FakeConversation[]) {}

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length
  }

  historyCallsFor(channelId: number): RecordedCall[] {
    return this.calls.filter(
      (c) => c.method === 'messages.getHistory' && (c.request.peer as tl.RawInputPeerChannel).channelId === channelId,
    )
  }

  fail(method: string, errorMessage: string, code = 420): void {
    const list = this.failures.get(method) ?? []
    list.push(tl.RpcError.fromTl({ errorCode: code, errorMessage }))
    this.failures.set(method, list)
  }

  async call(request: { _: string }): Promise<unknown> {
    this.calls.push({ method: request._, request: request as Record<string, unknown> })
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
      const failure = this.failures.get(request._)?.shift()
      if (failure !== undefined) throw failure
      switch (request._) {
        case 'messages.getHistory':
          return this.getHistory(request as tl.messages.RawGetHistoryRequest)
        case 'messages.getDialogs':
          return this.getDialogs(request as tl.messages.RawGetDialogsRequest)
        default:
          throw tl.RpcError.fromTl({ errorCode: 400, errorMessage: 'METHOD_INVALID' })
      }
    } finally {
      this.inFlight--
    }
  }

  private getHistory(request: tl.messages.RawGetHistoryRequest): tl.messages.TypeMessages {
    const peer = request.peer as tl.RawInputPeerChannel
    const conversation = this.conversations.find((c) => c.peer._ === 'peerChannel' && c.peer.channelId === peer.channelId)
    if (conversation === undefined) throw tl.RpcError.fromTl({ errorCode: 400, errorMessage: 'CHANNEL_INVALID' })
    const newestFirst = [...conversation.messages].reverse()
    const selected = newestFirst
      .filter((m) => (request.offsetId > 0 ? m.id < request.offsetId : request.offsetDate > 0 ? m.date < request.offsetDate : true))
      .slice(0, request.limit)
    return {
      _: 'messages.channelMessages',
      pts: 1,
      count: conversation.messages.length,
      messages: selected.map((m) => toRaw(conversation.peer, m)),
      topics: [],
      chats: [],
      users: [],
    }
  }

  private getDialogs(request: tl.messages.RawGetDialogsRequest): tl.messages.TypeDialogs {
    const top = (c: FakeConversation): FakeMessage => c.messages[c.messages.length - 1]
    const pinned = this.conversations.filter((c) => c.pinned)
    const rest = this.conversations
      .filter((c) => !c.pinned)
      .sort((a, b) => top(b).date - top(a).date || top(b).id - top(a).id)
    let list: FakeConversation[]
    if (request.offsetDate === 0 && request.offsetId === 0) {
      list = [...pinned, ...rest]
    } else {
      list = rest.filter(
        (c) => top(c).date < request.offsetDate || (top(c).date === request.offsetDate && top(c).id < request.offsetId),
      )
    }
    const page = list.slice(0, request.limit)
    const dialogs: tl.TypeDialog[] = page.map((c) => ({
      _: 'dialog',
      pinned: c.pinned ?? false,
      peer: c.peer,
      topMessage: top(c).id,
      readInboxMaxId: 0,
      readOutboxMaxId: 0,
      unreadCount: 0,
      unreadMentionsCount: 0,
      unreadReactionsCount: 0,
      unreadPollVotesCount: 0,
      notifySettings: { _: 'peerNotifySettings' },
    }))
    const chats: tl.TypeChat[] = []
    const users: tl.TypeUser[] = []
    for (const c of page) {
      if (c.peer._ === 'peerChannel') {
        chats.push({
          _: 'channel',
          id: c.peer.channelId,
          accessHash: Long.fromNumber(c.peer.channelId * 3),
          title: c.title,
          ...(c.username === undefined ? {} : { username: c.username }),
          photo: { _: 'chatPhotoEmpty' },
          date: 0,
        } as tl.RawChannel)
      } else if (c.peer._ === 'peerChat') {
        chats.push({ _: 'chat', id: c.peer.chatId, title: c.title, photo: { _: 'chatPhotoEmpty' }, participantsCount: 3, date: 0, version: 1 } as tl.RawChat)
      } else {
        users.push({ _: 'user', id: c.peer.userId, accessHash: Long.fromNumber(7), firstName: c.title } as tl.RawUser)
      }
    }
    return {
      _: 'messages.dialogsSlice',
      count: this.conversations.length,
      dialogs,
      messages: page.map((c) => toRaw(c.peer, top(c))),
      chats,
      users,
    }
  }
}

function toRaw(peer: tl.TypePeer, m: FakeMessage): tl.TypeMessage {
  if (m.kind === 'empty') return { _: 'messageEmpty', id: m.id, peerId: peer }
  if (m.kind === 'service') return { _: 'messageService', id: m.id, peerId: peer, date: m.date, action: { _: 'messageActionChannelCreate', title: 't' } }
  return { _: 'message', id: m.id, peerId: peer, date: m.date, message: `m${m.id}` }
}

/** A deterministic stream of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` messages with ascending ids and dates from `firstDate`, each step a random 0..steps-1 times `unit` seconds; some are service or empty. */
export function generateMessages(random: () => number, count: number, firstDate: number, steps: number, unit = 1): FakeMessage[] {
  const messages: FakeMessage[] = []
  let date = firstDate
  for (let id = 1; id <= count; id++) {
    const roll = random()
    messages.push({ id, date, kind: id === 1 ? 'service' : roll < 0.08 ? 'service' : roll < 0.1 ? 'empty' : 'message' })
    date += Math.floor(random() * steps) * unit
  }
  return messages
}
