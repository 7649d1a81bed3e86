import { ByteQueue } from './byte-queue.ts'
import type { FrameCodec } from './frame-codec.ts'
import { FramingError } from './framing-error.ts'
import { MAX_FRAME_LENGTH } from './max-frame-length.ts'

/**
 * Abridged transport (after the 0xef marker): a payload of 4·n bytes is prefixed by n in one
 * byte when n < 0x7f, otherwise by 0x7f and n in three little-endian bytes. The client may set
 * the top bit of the first byte to ask for a quick ack; that bit is not part of the length.
 */
export class AbridgedCodec implements FrameCodec {
  readonly kind = 'abridged' as const
  private readonly queue = new ByteQueue()

  push(chunk: Buffer): Buffer[] {
    this.queue.append(chunk)
    const frames: Buffer[] = []
    for (;;) {
      if (this.queue.length < 1) break
      const short = this.queue.peek(1)[0]! & 0x7f
      let headerLength = 1
      let words = short
      if (short === 0x7f) {
        if (this.queue.length < 4) break
        headerLength = 4
        words = this.queue.peek(4).readUIntLE(1, 3)
      }
      const length = words * 4
      if (length === 0 || length > MAX_FRAME_LENGTH) throw new FramingError(`abridged frame of ${length} bytes`)
      if (this.queue.length < headerLength + length) break
      this.queue.take(headerLength)
      frames.push(this.queue.take(length))
    }
    return frames
  }

  encode(payload: Buffer): Buffer {
    if (payload.length % 4 !== 0) throw new RangeError('abridged payloads are whole 4-byte words')
    const words = payload.length / 4
    if (words < 0x7f) return Buffer.concat([Buffer.from([words]), payload])
    const header = Buffer.alloc(4)
    header[0] = 0x7f
    header.writeUIntLE(words, 1, 3)
    return Buffer.concat([header, payload])
  }
}
