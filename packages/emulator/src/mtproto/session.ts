import type { ConnectionLink } from './connection-link.ts'

/** How many received msg_ids a session remembers, for duplicates and msgs_state_req. */
const REMEMBERED_IDS = 512

/**
 * One MTProto session (auth key + the client's session_id): its seqno counter and the message ids
 * it has received. A session outlives connections; answers go to the connection it last used.
 */
export class Session {
  link: ConnectionLink | undefined
  /** Whether new_session_created has been sent (it waits for the first message with a good salt). */
  announced = false
  /** Set by the first query not wrapped in invokeWithoutUpdates: only such sessions get pushed updates. */
  wantsUpdates = false
  /** RPCs in flight by msg_id, so invokeAfterMsg can wait for its predecessor. */
  readonly inFlight = new Map<bigint, Promise<void>>()
  private contentMessages = 0
  private readonly received: bigint[] = []
  private readonly receivedSet = new Set<bigint>()

  readonly authKeyId: bigint
  readonly sessionId: bigint
  readonly uniqueId: bigint

  constructor(
    authKeyId: bigint,
    sessionId: bigint,
    /** unique_id for new_session_created */
    uniqueId: bigint,
  ) {
    this.authKeyId = authKeyId
    this.sessionId = sessionId
    this.uniqueId = uniqueId
  }

  /**
   * seq_no: twice the number of content-related messages sent before, plus one for a
   * content-related message (core.telegram.org/mtproto/description#message-sequence-number-msg-seqno).
   */
  nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.contentMessages * 2
    return this.contentMessages++ * 2 + 1
  }

  /** Records a received msg_id; false when it was already received (a duplicate to ignore). */
  markReceived(msgId: bigint): boolean {
    if (this.receivedSet.has(msgId)) return false
    this.receivedSet.add(msgId)
    this.received.push(msgId)
    if (this.received.length > REMEMBERED_IDS) this.receivedSet.delete(this.received.shift()!)
    return true
  }

  /**
   * Forgets a received msg_id, as if the message had never arrived: a query lost with its
   * connection (a dropped-connection fault) must read "not received" to msgs_state_req, or the
   * client waits forever for an answer that will never come instead of sending it again.
   */
  forget(msgId: bigint): void {
    if (!this.receivedSet.delete(msgId)) return
    this.received.splice(this.received.indexOf(msgId), 1)
  }

  /**
   * msgs_state_info status byte for one msg_id (core.telegram.org/mtproto/service_messages_about_messages):
   * 1 nothing known (too old), 2 not received (within the known range), 3 not received (too new),
   * 4 received.
   */
  stateOf(msgId: bigint): number {
    if (this.receivedSet.has(msgId)) return 4
    if (this.received.length === 0) return 3
    let min = this.received[0]!
    let max = min
    for (const id of this.received) {
      if (id < min) min = id
      if (id > max) max = id
    }
    if (msgId < min) return 1
    if (msgId > max) return 3
    return 2
  }
}
