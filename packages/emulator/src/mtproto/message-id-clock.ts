/**
 * Server message ids (core.telegram.org/mtproto/description#message-identifier-msg-id):
 * roughly unixtime·2^32, strictly increasing, ≡ 1 (mod 4) for responses to a client message and
 * ≡ 3 (mod 4) for messages the server starts. One clock per DC keeps ids increasing across
 * sessions and connections.
 */
export type MessageIdKind = 'response' | 'server' | 'client'

const REMAINDER: Record<MessageIdKind, bigint> = { response: 1n, server: 3n, client: 0n }

export class MessageIdClock {
  private last = 0n

  /** `now` returns milliseconds since the epoch. */
  private readonly now: () => number

  constructor(now: () => number) {
    this.now = now
  }

  next(kind: MessageIdKind): bigint {
    const ms = BigInt(Math.floor(this.now()))
    // seconds in the high 32 bits, the fraction of a second in the low 32 bits
    let id = ((ms / 1000n) << 32n) | (((ms % 1000n) << 32n) / 1000n)
    id = id - (id % 4n) + REMAINDER[kind]
    if (id <= this.last) id = this.last - (this.last % 4n) + 4n + REMAINDER[kind]
    this.last = id
    return id
  }
}

/** The unix time (seconds) a msg_id claims. */
export function msgIdSeconds(msgId: bigint): number {
  return Number(msgId >> 32n)
}
