/**
 * One MTProto transport framing, seen from the server: bytes from the socket go in through
 * `push` and come out as whole MTProto payloads; payloads for the client are framed by
 * `encode`. Framers never touch a socket (core.telegram.org/mtproto/mtproto-transports).
 */
export interface FrameCodec {
  readonly kind: TransportKind
  /** Appends received bytes and returns every payload they complete, in order. */
  push(chunk: Buffer): Buffer[]
  /** Frames one payload for the client. */
  encode(payload: Buffer): Buffer
}

export type TransportKind = 'abridged' | 'intermediate' | 'padded-intermediate' | 'full'
