import { crc32 } from 'node:zlib'
import { ByteQueue } from './byte-queue.ts'
import type { FrameCodec } from './frame-codec.ts'
import { FramingError } from './framing-error.ts'
import { MAX_FRAME_LENGTH } from './max-frame-length.ts'

/**
 * Full transport (no marker): length (uint32 LE, counting all twelve framing bytes) | seq
 * (uint32 LE, per direction, from 0) | payload | CRC32 of everything before it.
 * A wrong checksum or an out-of-order seq means the stream is corrupt.
 */
export class FullCodec implements FrameCodec {
  readonly kind = 'full' as const
  private readonly queue = new ByteQueue()
  private receiveSeq = 0
  private sendSeq = 0

  push(chunk: Buffer): Buffer[] {
    this.queue.append(chunk)
    const frames: Buffer[] = []
    while (this.queue.length >= 4) {
      const total = this.queue.peek(4).readUInt32LE(0)
      if (total < 12 || total % 4 !== 0 || total > MAX_FRAME_LENGTH + 12) {
        throw new FramingError(`full frame of ${total} bytes`)
      }
      if (this.queue.length < total) break
      const frame = this.queue.take(total)
      const expected = frame.readUInt32LE(total - 4)
      if (crc32(frame.subarray(0, total - 4)) !== expected) throw new FramingError('full frame CRC32 mismatch')
      const seq = frame.readUInt32LE(4)
      if (seq !== this.receiveSeq) throw new FramingError(`full frame seq ${seq}, expected ${this.receiveSeq}`)
      this.receiveSeq++
      frames.push(frame.subarray(8, total - 4))
    }
    return frames
  }

  encode(payload: Buffer): Buffer {
    const total = payload.length + 12
    const frame = Buffer.alloc(total)
    frame.writeUInt32LE(total, 0)
    frame.writeUInt32LE(this.sendSeq++, 4)
    payload.copy(frame, 8)
    frame.writeUInt32LE(crc32(frame.subarray(0, total - 4)), total - 4)
    return frame
  }
}
