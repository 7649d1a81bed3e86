/** Growable little-endian writer of TL primitives (core.telegram.org/mtproto/serialize). */
export class TlWriter {
  private buf: Buffer
  private pos = 0

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  int(n: number): this {
    this.ensure(4)
    this.buf.writeInt32LE(n | 0, this.pos)
    this.pos += 4
    return this
  }

  uint(n: number): this {
    this.ensure(4)
    this.buf.writeUInt32LE(n >>> 0, this.pos)
    this.pos += 4
    return this
  }

  long(n: bigint | number): this {
    this.ensure(8)
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(n)), this.pos)
    this.pos += 8
    return this
  }

  double(n: number): this {
    this.ensure(8)
    this.buf.writeDoubleLE(n, this.pos)
    this.pos += 8
    return this
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    return this
  }

  bytes(b: Uint8Array): this {
    const header = b.length < 254 ? 1 : 4
    const padding = (4 - ((header + b.length) % 4)) % 4
    this.ensure(header + b.length + padding)
    if (header === 1) {
      this.buf[this.pos++] = b.length
    } else {
      this.buf[this.pos] = 254
      this.buf.writeUIntLE(b.length, this.pos + 1, 3)
      this.pos += 4
    }
    this.buf.set(b, this.pos)
    this.pos += b.length
    this.buf.fill(0, this.pos, this.pos + padding)
    this.pos += padding
    return this
  }

  string(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'))
  }

  get length(): number {
    return this.pos
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos))
  }
}
