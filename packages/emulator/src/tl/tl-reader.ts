/** Little-endian reader of TL primitives (core.telegram.org/mtproto/serialize). */
export class TlReader {
  pos: number

  readonly buf: Buffer

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf
    this.pos = pos
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`TL read past end: need ${n} bytes at ${this.pos}/${this.buf.length}`)
  }

  int(): number {
    this.need(4)
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }

  uint(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  peekUint(): number {
    this.need(4)
    return this.buf.readUInt32LE(this.pos)
  }

  long(): bigint {
    this.need(8)
    const v = this.buf.readBigInt64LE(this.pos)
    this.pos += 8
    return v
  }

  double(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  raw(n: number): Buffer {
    this.need(n)
    const v = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }

  int128(): Buffer {
    return Buffer.from(this.raw(16))
  }

  int256(): Buffer {
    return Buffer.from(this.raw(32))
  }

  /** TL `bytes`: a 1-byte length (or 0xfe + 3-byte length), the data, padding to 4 bytes. */
  bytes(): Buffer {
    this.need(1)
    let length = this.buf[this.pos]!
    let header = 1
    if (length === 254) {
      this.need(4)
      length = this.buf.readUIntLE(this.pos + 1, 3)
      header = 4
    }
    this.pos += header
    const data = Buffer.from(this.raw(length))
    this.pos += (4 - ((header + length) % 4)) % 4
    return data
  }

  string(): string {
    return this.bytes().toString('utf8')
  }

  remaining(): number {
    return this.buf.length - this.pos
  }
}
