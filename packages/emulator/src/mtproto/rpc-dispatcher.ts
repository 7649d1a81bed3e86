import type { TlObject } from '../tl/tl-object.ts'

/** One API call, its invoke* wrappers already removed. */
export interface RpcCall {
  /** The unwrapped query, e.g. `{ _: 'help.getConfig' }`. */
  method: TlObject
  authKeyId: bigint
  sessionId: bigint
  /** The layer the call was decoded in and its result will be encoded in. */
  layer: number
  connectionId: number
  /** The client's msg_id: the time it sent the call, by its clock (seconds × 2³², https://core.telegram.org/mtproto/description#message-identifier-msg-id). */
  msgId?: bigint
}

/**
 * Answers API calls. Resolves to the method's result value; rejects with RpcError to answer
 * rpc_error, or with DropConnectionSignal to close the connection without an answer.
 */
export interface RpcDispatcher {
  dispatch(call: RpcCall): Promise<unknown>
}
