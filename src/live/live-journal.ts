/**
 * The last events the update stream delivered, in order, numbered by `seq` (1, 2, …): one
 * journal per process, shared by every subscriber. Each subscriber is a position in it, so a
 * slow one costs no memory of its own: the journal keeps `capacity` events whatever the number
 * of subscribers, and one that falls behind its oldest event must catch up from history.
 */
import type { LiveEventKind } from './live-feed.ts'

export interface JournalEntry {
  readonly seq: number
  readonly event: LiveEventKind
  readonly channelId: number
  /** message / edit: the message id; delete: the highest id deleted. */
  readonly messageId: number
  readonly data: unknown
  readonly json: string
  /** Unix seconds (LiveEvent.date). */
  readonly date: number
}

export class LiveJournal {
  readonly #ring: (JournalEntry | undefined)[]
  #head = 0
  #waiters: Array<() => void> = []

  readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
    this.#ring = new Array(capacity)
  }

  /** The seq of the newest event (0 before the first). */
  get head(): number {
    return this.#head
  }

  /** The seq of the oldest event still kept. */
  get oldest(): number {
    return Math.max(1, this.#head - this.capacity + 1)
  }

  append(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const stored = { ...entry, seq: this.#head + 1 }
    this.#ring[stored.seq % this.capacity] = stored
    this.#head = stored.seq
    for (const wake of this.#waiters.splice(0)) wake()
    return stored
  }

  /** The event with this seq, or undefined when it is not kept (not yet, or no longer). */
  at(seq: number): JournalEntry | undefined {
    if (seq < this.oldest || seq > this.#head) return undefined
    return this.#ring[seq % this.capacity]
  }

  /** Resolves at the next append. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }
}
