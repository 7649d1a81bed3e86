import type { HistoryOwner } from './world.ts'

/**
 * What a message slot holds; the rest of the message (text, views, media ids, reactions) is
 * derived from (world seed, owner, message id) when the message is read, so a history of
 * 100 000 messages costs a few typed arrays.
 */
export const MessageKind = {
  Text: 0,
  Photo: 1,
  Video: 2,
  /** A photo inside an album; `ref` is the id of the album's first message. */
  AlbumPhoto: 3,
  ChannelCreate: 4,
  ChatCreate: 5,
  /** `ref` is the pinned message id. */
  Pin: 6,
  /** A user joined a supergroup or basic group by invite link. */
  JoinByLink: 7,
} as const
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind]

/** `author` column: an index into `world.users`, or one of these. */
export const AUTHOR_SELF = -1
export const AUTHOR_NONE = -2

export function isServiceKind(kind: number): boolean {
  return kind >= MessageKind.ChannelCreate
}

export interface HistoryRow {
  id: number
  date: number
  kind: MessageKind
  author: number
  /** Album first id, pinned id, or the id replied to (0 for none). */
  ref: number
}

/**
 * One conversation's messages in ascending id order (ids and dates both non-decreasing), with
 * binary searches for the offsets Telegram's paging parameters describe. The generated world
 * fills it once; the living world (channel-log.ts) appends new posts and removes deleted ones,
 * so every read — history pages, global search, the dialog's top message — sees them.
 */
export class History {
  #ids: Int32Array
  #dates: Int32Array
  #kinds: Uint8Array
  #authors: Int32Array
  #refs: Int32Array
  /** serviceBefore[i] = number of service messages at indices < i (length + 1 entries). */
  #serviceBefore: Int32Array
  #length: number
  #views!: { ids: Int32Array; dates: Int32Array; kinds: Uint8Array }

  readonly owner: HistoryOwner

  constructor(
    owner: HistoryOwner,
    rows: readonly HistoryRow[],
  ) {
    this.owner = owner
    const n = rows.length
    this.#ids = new Int32Array(n)
    this.#dates = new Int32Array(n)
    this.#kinds = new Uint8Array(n)
    this.#authors = new Int32Array(n)
    this.#refs = new Int32Array(n)
    this.#serviceBefore = new Int32Array(n + 1)
    this.#length = 0
    for (const row of rows) this.#put(row)
    this.#refreshViews()
  }

  /** Column views of the current messages; a mutation replaces them, so read them afresh. */
  get ids(): Int32Array {
    return this.#views.ids
  }

  get dates(): Int32Array {
    return this.#views.dates
  }

  get kinds(): Uint8Array {
    return this.#views.kinds
  }

  /** Appends the newest message; its id must exceed every id so far, its date not precede the top one. */
  append(row: HistoryRow): void {
    if (this.#length === this.#ids.length) this.#grow(Math.max(16, this.#length * 2))
    this.#put(row)
    this.#refreshViews()
  }

  /** Removes the messages with these ids (ids not present are ignored); returns the ids removed. */
  remove(ids: readonly number[]): number[] {
    const doomed = new Set(ids.filter((id) => this.indexOfId(id) >= 0))
    if (doomed.size === 0) return []
    const rows: HistoryRow[] = []
    for (let i = 0; i < this.#length; i++) if (!doomed.has(this.#ids[i])) rows.push(this.row(i))
    this.#length = 0
    for (const row of rows) this.#put(row)
    this.#refreshViews()
    return [...doomed].sort((a, b) => a - b)
  }

  #put(row: HistoryRow): void {
    const i = this.#length
    if (i > 0 && (row.id <= this.#ids[i - 1] || row.date < this.#dates[i - 1])) {
      throw new Error(`history ${this.owner.kind}:${this.owner.id} is not ordered at index ${i}`)
    }
    this.#ids[i] = row.id
    this.#dates[i] = row.date
    this.#kinds[i] = row.kind
    this.#authors[i] = row.author
    this.#refs[i] = row.ref
    this.#serviceBefore[i + 1] = this.#serviceBefore[i] + (isServiceKind(row.kind) ? 1 : 0)
    this.#length = i + 1
  }

  #refreshViews(): void {
    const n = this.#length
    this.#views = { ids: this.#ids.subarray(0, n), dates: this.#dates.subarray(0, n), kinds: this.#kinds.subarray(0, n) }
  }

  #grow(capacity: number): void {
    const copy = <T extends Int32Array | Uint8Array>(from: T, make: (n: number) => T, n: number): T => {
      const to = make(n)
      to.set(from.subarray(0, Math.min(from.length, n)))
      return to
    }
    this.#ids = copy(this.#ids, (n) => new Int32Array(n), capacity)
    this.#dates = copy(this.#dates, (n) => new Int32Array(n), capacity)
    this.#kinds = copy(this.#kinds, (n) => new Uint8Array(n), capacity)
    this.#authors = copy(this.#authors, (n) => new Int32Array(n), capacity)
    this.#refs = copy(this.#refs, (n) => new Int32Array(n), capacity)
    this.#serviceBefore = copy(this.#serviceBefore, (n) => new Int32Array(n), capacity + 1)
  }

  get length(): number {
    return this.#length
  }

  /** Id of the newest message, 0 for an empty history. */
  get topId(): number {
    return this.#length === 0 ? 0 : this.#ids[this.#length - 1]
  }

  /** Date of the newest message, 0 for an empty history. */
  get topDate(): number {
    return this.#length === 0 ? 0 : this.#dates[this.#length - 1]
  }

  /** First index whose id is >= `id` (length when none). */
  lowerBoundId(id: number): number {
    return lowerBound(this.#ids, this.#length, id)
  }

  /** First index whose date is >= `date` (length when none). */
  lowerBoundDate(date: number): number {
    return lowerBound(this.#dates, this.#length, date)
  }

  /** First index whose date is > `date` (length when none). */
  upperBoundDate(date: number): number {
    return lowerBound(this.#dates, this.#length, date + 1)
  }

  /** Index of the message with exactly this id, or -1. */
  indexOfId(id: number): number {
    const i = lowerBound(this.#ids, this.#length, id)
    return i < this.#length && this.#ids[i] === id ? i : -1
  }

  isService(index: number): boolean {
    return isServiceKind(this.#kinds[index])
  }

  /** Number of non-service messages among indices [from, to). */
  countNonService(from: number, to: number): number {
    if (to <= from) return 0
    return to - from - (this.#serviceBefore[to] - this.#serviceBefore[from])
  }

  row(index: number): HistoryRow {
    return {
      id: this.#ids[index],
      date: this.#dates[index],
      kind: this.#kinds[index] as MessageKind,
      author: this.#authors[index],
      ref: this.#refs[index],
    }
  }
}

function lowerBound(values: Int32Array, length: number, target: number): number {
  let lo = 0
  let hi = length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid] < target) lo = mid + 1
    else hi = mid
  }
  return lo
}
