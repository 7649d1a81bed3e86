/**
 * The order of a channel difference's events (pure). updates.getChannelDifference answers a
 * gap with the new posts in `new_messages` (no pts of their own) and the edits and deletions in
 * `other_updates` (each with its pts), and mtcute hands them on in that order: every post
 * first. Played as they come, a deletion would arrive after posts made after it.
 *
 * The pts sequence puts them back in place: from the channel's pts before the gap, each post
 * takes one pts step and each other update sits where its own pts says (pts - pts_count is the
 * channel's pts just before it). Posts take the free steps in id order, the order Telegram
 * numbered them. A post deleted within the gap is not in the difference at all, yet it took its
 * step: every id after the channel's newest before the gap, up to the newest the batch names
 * (posted or deleted), holds one, so the posts after it keep their place. `channelUpdate` says
 * where one update sits (its channel, pts and message id).
 */
import type { tl } from '@mtcute/core'

export interface OrderedItem<T> {
  readonly item: T
  /** The update's pts, or 0 for a post from a difference. */
  readonly pts: number
  readonly ptsCount: number
  /** A post's message id (orders the posts among themselves). */
  readonly messageId: number
}

/** Where the channel stood before the batch: its pts and its newest message id. */
export interface ChannelPlace {
  readonly pts: number
  readonly lastId: number
}

/**
 * The batch in the channel's order. `before` is where the channel stood, or null when unknown
 * (posts first then). `deletedIds` names the ids each item deletes (none for a post or an edit).
 */
export function differenceOrder<T>(batch: readonly OrderedItem<T>[], before: ChannelPlace | null, deletedIds: (item: T) => readonly number[]): T[] {
  const posts = batch.filter((entry) => entry.pts === 0).sort((a, b) => a.messageId - b.messageId)
  const placed = batch.filter((entry) => entry.pts !== 0).sort((a, b) => a.pts - b.pts)
  if (before === null) return [...posts, ...placed].map((entry) => entry.item)
  // Every id of the gap holds one step; the posts of ids the difference left out hold nothing to send.
  let newest = before.lastId
  for (const entry of posts) newest = Math.max(newest, entry.messageId)
  for (const entry of placed) for (const id of deletedIds(entry.item)) newest = Math.max(newest, id)
  const byId = new Map(posts.map((entry) => [entry.messageId, entry.item]))
  const steps: Array<T | undefined> = []
  for (let id = before.lastId + 1; id <= newest; id++) steps.push(byId.get(id))
  for (const entry of posts) if (entry.messageId <= before.lastId) steps.unshift(entry.item)
  const ordered: T[] = []
  let pts = before.pts
  let next = 0
  const take = (): void => {
    const post = steps[next++]
    if (post !== undefined) ordered.push(post)
    pts++
  }
  for (const entry of placed) {
    while (pts < entry.pts - entry.ptsCount && next < steps.length) take()
    ordered.push(entry.item)
    pts = Math.max(pts, entry.pts)
  }
  while (next < steps.length) take()
  return ordered
}

/** Where a channel update sits: its channel, pts (0 for a post from a difference) and message id. */
export function channelUpdate(update: tl.TypeUpdate): { channelId: number; pts: number; ptsCount: number; messageId: number } | null {
  switch (update._) {
    case 'updateNewChannelMessage':
    case 'updateEditChannelMessage': {
      const message = update.message
      if (message._ === 'messageEmpty' || message.peerId._ !== 'peerChannel') return null
      return { channelId: message.peerId.channelId, pts: update.pts, ptsCount: update.ptsCount, messageId: message.id }
    }
    case 'updateDeleteChannelMessages':
      return { channelId: update.channelId, pts: update.pts, ptsCount: update.ptsCount, messageId: 0 }
    default:
      return null
  }
}
