/**
 * Bytes received but not yet framed. Keeps the received chunks and joins them only when a
 * frame needs bytes from more than one, so a large frame arriving in many pieces is copied once.
 */
export class ByteQueue {
  private chunks: Buffer[] = []
  private size = 0

  get length(): number {
    return this.size
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  /** The first `n` bytes without consuming them; `n` must not exceed `length`. */
  peek(n: number): Buffer {
    this.coalesce(n)
    return this.chunks[0]!.subarray(0, n)
  }

  /** Removes and returns the first `n` bytes; `n` must not exceed `length`. */
  take(n: number): Buffer {
    const out = this.peek(n)
    const head = this.chunks[0]!
    if (head.length === n) this.chunks.shift()
    else this.chunks[0] = head.subarray(n)
    this.size -= n
    return out
  }

  private coalesce(n: number): void {
    if (n > this.size) throw new RangeError(`ByteQueue: ${n} bytes requested, ${this.size} buffered`)
    if (n === 0 || this.chunks[0]!.length >= n) return
    let joined = 0
    let count = 0
    while (joined < n) joined += this.chunks[count++]!.length
    this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count), joined))
  }
}
