/**
 * A channel's life after the world was generated (https://core.telegram.org/api/updates): its
 * own `pts`, advanced by every event (a new post and an edit by one, a deletion by the number
 * of messages deleted, as `pts_count` says), the recent events themselves so that
 * updates.getChannelDifference can replay them, and what posts and edits wrote (the generated
 * messages are drawn from the seed; these are not). The messages themselves go into the
 * channel's History, so every read sees them.
 */

export type ChannelEvent =
  | { readonly kind: 'new'; readonly pts: number; readonly ptsCount: 1; readonly id: number; readonly date: number }
  | { readonly kind: 'edit'; readonly pts: number; readonly ptsCount: 1; readonly id: number; readonly date: number }
  | { readonly kind: 'delete'; readonly pts: number; readonly ptsCount: number; readonly ids: readonly number[]; readonly date: number }

/** Text written by a post or an edit, and when the edit happened. */
export interface WrittenContent {
  text: string
  editDate?: number
}

/** How many events a channel keeps for getChannelDifference; older gaps are answered TooLong. */
export const DEFAULT_REPLAY_LIMIT = 1000

export type ChannelDifference =
  | { kind: 'empty'; pts: number }
  | { kind: 'events'; events: ChannelEvent[]; pts: number; final: boolean }
  | { kind: 'tooLong'; pts: number }

export class ChannelLog {
  #pts: number
  readonly #events: ChannelEvent[] = []
  readonly #contents = new Map<number, WrittenContent>()
  /** The highest message id ever used here: a deleted top id is not given out again. */
  #lastId: number
  replayLimit = DEFAULT_REPLAY_LIMIT

  /** `pts` and `lastId` of the generated history: one pts step per generated message. */
  constructor(pts: number, lastId: number) {
    this.#pts = pts
    this.#lastId = lastId
  }

  get pts(): number {
    return this.#pts
  }

  /** The id the next post gets. */
  nextId(): number {
    return this.#lastId + 1
  }

  contentOf(id: number): WrittenContent | undefined {
    return this.#contents.get(id)
  }

  recordPost(id: number, date: number, text: string): ChannelEvent {
    this.#lastId = Math.max(this.#lastId, id)
    this.#contents.set(id, { text })
    return this.#record({ kind: 'new', pts: this.#pts + 1, ptsCount: 1, id, date })
  }

  recordEdit(id: number, date: number, text: string): ChannelEvent {
    this.#contents.set(id, { text, editDate: date })
    return this.#record({ kind: 'edit', pts: this.#pts + 1, ptsCount: 1, id, date })
  }

  recordDelete(ids: readonly number[], date: number): ChannelEvent {
    for (const id of ids) this.#contents.delete(id)
    return this.#record({ kind: 'delete', pts: this.#pts + ids.length, ptsCount: ids.length, ids: [...ids], date })
  }

  /**
   * What happened after `pts`, at most `limit` events (updates.getChannelDifference): nothing,
   * the events (final when they reach the current pts), or too long when the events after
   * `pts` are no longer kept (or `pts` is not one this channel ever had).
   */
  since(pts: number, limit: number): ChannelDifference {
    if (pts === this.#pts) return { kind: 'empty', pts }
    if (pts > this.#pts) return { kind: 'tooLong', pts: this.#pts }
    const oldest = this.#events[0]
    if (oldest === undefined || pts < oldest.pts - oldest.ptsCount) return { kind: 'tooLong', pts: this.#pts }
    const start = this.#events.findIndex((event) => event.pts > pts)
    // A pts in the middle of a multi-message deletion is not a state a client can be in.
    if (start < 0 || this.#events[start].pts - this.#events[start].ptsCount !== pts) return { kind: 'tooLong', pts: this.#pts }
    const events = this.#events.slice(start, start + Math.max(1, limit))
    const last = events[events.length - 1]
    return { kind: 'events', events, pts: last.pts, final: last.pts === this.#pts }
  }

  /** Events dated after `date` (updates.getDifference names such channels). */
  changedSince(date: number): boolean {
    const newest = this.#events[this.#events.length - 1]
    return newest !== undefined && newest.date > date
  }

  #record(event: ChannelEvent): ChannelEvent {
    this.#pts = event.pts
    this.#events.push(event)
    if (this.#events.length > this.replayLimit) this.#events.splice(0, this.#events.length - this.replayLimit)
    return event
  }
}
