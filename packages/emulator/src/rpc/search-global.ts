import type { History } from '../world/history.ts'

/** A conversation messages.searchGlobal looks into; `rank` orders conversations of equal date. */
export interface SearchSource {
  history: History
  rank: number
}

export interface SearchWindow {
  /** Only messages with date > minDate (when > 0) … */
  minDate: number
  /** … and date < maxDate (when > 0): "bigger than" / "smaller than" in the method's TL docs. */
  maxDate: number
  /** Continue after (offsetRate, offsetRank, offsetId); offsetRate 0 starts at the newest. */
  offsetRate: number
  offsetRank: number
  offsetId: number
  limit: number
  /** Extra per-message test (query text, media filter); service messages never match. */
  match?: (history: History, index: number) => boolean
}

export interface SearchResult {
  picks: { history: History; index: number }[]
  /** Matches in the whole window, regardless of the offset. */
  count: number
}

/**
 * One page of a global search: matches from all sources merged newest first, ordered by
 * (date, rank, id) descending, starting strictly after the offset triple — the order the
 * offset_rate / offset_peer / offset_id continuation of messages.searchGlobal walks.
 */
export function searchGlobalPage(sources: readonly SearchSource[], window: SearchWindow): SearchResult {
  const matches = (history: History, index: number): boolean =>
    !history.isService(index) && (window.match ? window.match(history, index) : true)

  let count = 0
  const cursors: { source: SearchSource; next: number; low: number }[] = []
  for (const source of sources) {
    const { history } = source
    const low = window.minDate > 0 ? history.upperBoundDate(window.minDate) : 0
    const high = window.maxDate > 0 ? history.lowerBoundDate(window.maxDate) : history.length
    if (high <= low) continue
    if (window.match) {
      for (let i = low; i < high; i++) if (matches(history, i)) count++
    } else {
      count += history.countNonService(low, high)
    }
    let end = high
    if (window.offsetRate > 0) end = Math.min(high, endBefore(source, window))
    cursors.push({ source, next: end - 1, low })
  }

  const picks: { history: History; index: number }[] = []
  while (picks.length < window.limit) {
    let best: (typeof cursors)[number] | undefined
    for (const cursor of cursors) {
      const { history } = cursor.source
      while (cursor.next >= cursor.low && !matches(history, cursor.next)) cursor.next--
      if (cursor.next < cursor.low) continue
      if (!best || isNewer(cursor, best)) best = cursor
    }
    if (!best) break
    picks.push({ history: best.source.history, index: best.next })
    best.next--
  }
  return { picks, count }
}

/** Exclusive end index of the source's messages ordered strictly before the offset triple. */
function endBefore(source: SearchSource, window: SearchWindow): number {
  const { history, rank } = source
  const D = window.offsetRate
  if (rank < window.offsetRank) return history.upperBoundDate(D)
  if (rank > window.offsetRank) return history.lowerBoundDate(D)
  const lo = history.lowerBoundDate(D)
  const hi = history.upperBoundDate(D)
  return Math.min(hi, Math.max(lo, history.lowerBoundId(window.offsetId)))
}

function isNewer(a: { source: SearchSource; next: number }, b: { source: SearchSource; next: number }): boolean {
  const da = a.source.history.dates[a.next]
  const db = b.source.history.dates[b.next]
  if (da !== db) return da > db
  if (a.source.rank !== b.source.rank) return a.source.rank > b.source.rank
  return a.source.history.ids[a.next] > b.source.history.ids[b.next]
}
