/**
 * One channel's history read page by page with one page read ahead: the current page is
 * consumed while the next is being fetched. Channel history (newest first) and the live
 * feed's catch-up (oldest first) both merge channels by pulling cursors like this one.
 */

/** A page of items and the offset the following page starts at (null: this was the last). */
export interface Page<T, O> {
  items: readonly T[]
  next: O | null
}

export class PageCursor<T, O> {
  #buffer: readonly T[] = []
  #position = 0
  /** The page being fetched (or fetched and not yet taken), or null when read out. */
  #next: Promise<Page<T, O>> | null = null

  private readonly read: (offset: O) => Promise<Page<T, O>>

  constructor(
    read: (offset: O) => Promise<Page<T, O>>,
    first: O,
  ) {
    this.read = read
    this.#fetch(first)
  }

  /**
   * The current item when its page is in hand (null once read out), or undefined when a page
   * must be awaited first (`head()`). A merge asks every open cursor for its head once per item
   * it yields; answering from the page in hand spares it an await per cursor, whose promises
   * were most of the garbage a long read made.
   */
  current(): T | null | undefined {
    if (this.#position < this.#buffer.length) return this.#buffer[this.#position]
    return this.#next === null ? null : undefined
  }

  /** The current item, loading pages as needed; null once read out. */
  async head(): Promise<T | null> {
    while (this.#position >= this.#buffer.length) {
      if (this.#next === null) return null
      const page = await this.#next
      this.#buffer = page.items
      this.#position = 0
      this.#next = null
      if (page.next !== null) this.#fetch(page.next)
    }
    return this.#buffer[this.#position]
  }

  /** Moves past the current item. */
  advance(): void {
    this.#position++
  }

  #fetch(offset: O): void {
    const page = this.read(offset)
    // Read-ahead may finish after the consumer is gone; its failure surfaces when awaited.
    page.catch(() => {})
    this.#next = page
  }
}
