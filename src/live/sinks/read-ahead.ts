/**
 * Reads an async iterable ahead of its consumer into a bounded buffer. The delivery loop
 * reads the live feed this way so that its backlog can be counted (the `pending` a sink
 * reports) and the feed is drained while a slow target is retried, up to `limit` events;
 * past that the feed's own buffer holds the rest.
 */
export class ReadAhead<T> {
  readonly #buffer: T[] = []
  readonly #limit: number
  #ended = false
  #failed = false
  #error: unknown = null
  #closed = false
  #wakeConsumer: (() => void) | null = null
  #wakeProducer: (() => void) | null = null

  constructor(source: AsyncIterable<T>, limit: number) {
    this.#limit = Math.max(1, limit)
    void this.#pump(source)
  }

  /** Items read and not yet taken. */
  get size(): number {
    return this.#buffer.length
  }

  /** The oldest item not yet taken. */
  peek(): T | undefined {
    return this.#buffer[0]
  }

  /** The next item; undefined once the source has ended (or this was closed); the source's error, thrown. */
  async take(): Promise<T | undefined> {
    for (;;) {
      if (this.#closed) return undefined
      const item = this.#buffer.shift()
      if (item !== undefined) {
        this.#wake('producer')
        return item
      }
      if (this.#failed) throw this.#error
      if (this.#ended) return undefined
      await new Promise<void>((resolve) => { this.#wakeConsumer = resolve })
    }
  }

  /** Stops reading and drops what was read; a pending take answers undefined. */
  close(): void {
    this.#closed = true
    this.#buffer.length = 0
    this.#wake('producer')
    this.#wake('consumer')
  }

  async #pump(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of source) {
        if (this.#closed) break
        this.#buffer.push(item)
        this.#wake('consumer')
        while (this.#buffer.length >= this.#limit && !this.#closed) {
          await new Promise<void>((resolve) => { this.#wakeProducer = resolve })
        }
        if (this.#closed) break
      }
    } catch (err) {
      this.#failed = true
      this.#error = err
    } finally {
      this.#ended = true
      this.#wake('consumer')
    }
  }

  #wake(which: 'consumer' | 'producer'): void {
    const wake = which === 'consumer' ? this.#wakeConsumer : this.#wakeProducer
    if (which === 'consumer') this.#wakeConsumer = null
    else this.#wakeProducer = null
    wake?.()
  }
}
