import { ByteQueue } from './byte-queue.ts'
import type { FrameCodec } from './frame-codec.ts'
import { FramingError } from './framing-error.ts'
import { MAX_FRAME_LENGTH } from './max-frame-length.ts'

/** Random bytes of a given length; injected so framing is reproducible in tests. */
export type PaddingSource = (length: number) => Buffer

/**
 * Intermediate transport (after the 0xeeeeeeee marker): each payload is prefixed by its length
 * as a little-endian uint32. The top bit of a client's length asks for a quick ack and is not
 * part of the length.
 *
 * The padded variant (0xdddddddd) appends 0–15 random bytes to every payload and counts them in
 * the length; the MTProto layer recognises the padding from its own length fields.
 */
export class IntermediateCodec implements FrameCodec {
  readonly kind: 'intermediate' | 'padded-intermediate'
  private readonly queue = new ByteQueue()

  private readonly padding: PaddingSource | undefined

  constructor(padding?: PaddingSource) {
    this.padding = padding
    this.kind = padding ? 'padded-intermediate' : 'intermediate'
  }

  push(chunk: Buffer): Buffer[] {
    this.queue.append(chunk)
    const frames: Buffer[] = []
    while (this.queue.length >= 4) {
      const length = this.queue.peek(4).readUInt32LE(0) & 0x7fffffff
      if (length === 0 || length > MAX_FRAME_LENGTH) throw new FramingError(`intermediate frame of ${length} bytes`)
      if (this.queue.length < 4 + length) break
      this.queue.take(4)
      frames.push(this.queue.take(length))
    }
    return frames
  }

  encode(payload: Buffer): Buffer {
    const pad = this.padding ? this.padding(this.padding(1)[0]! % 16) : Buffer.alloc(0)
    const header = Buffer.alloc(4)
    header.writeUInt32LE(payload.length + pad.length, 0)
    return Buffer.concat([header, payload, pad])
  }
}
