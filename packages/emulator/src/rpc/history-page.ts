import type { History } from '../world/history.ts'

/** messages.getHistory's paging parameters (TL: offset_id:int offset_date:int add_offset:int limit:int max_id:int min_id:int). */
export interface HistoryQuery {
  offset_id: number
  offset_date: number
  add_offset: number
  limit: number
  max_id: number
  min_id: number
}

/** Telegram caps a history page at 100 messages and treats 0 as a default of about 20. */
export const HISTORY_LIMIT_MAX = 100
export const HISTORY_LIMIT_DEFAULT = 20

/**
 * The indices (newest first) of the page messages.getHistory returns, following
 * core.telegram.org/api/offsets: the list is ordered by descending id; the page starts at
 * offsetFromID(offset_id) + add_offset, where offsetFromID counts the messages with id >=
 * offset_id (for offset_date: the messages dated >= offset_date; offset_id wins when both are
 * set); it holds `limit` entries of the list (a negative start shortens it), and max_id /
 * min_id then drop messages with id >= max_id / id <= min_id from that slice.
 */
export function historyPage(history: History, query: HistoryQuery): number[] {
  const n = history.length
  let base = 0
  if (query.offset_id > 0) base = n - history.lowerBoundId(query.offset_id)
  else if (query.offset_date > 0) base = n - history.lowerBoundDate(query.offset_date)

  const limit = clampLimit(query.limit)
  const start = base + query.add_offset
  const from = Math.max(0, start)
  const to = Math.min(n, start + limit)

  const indices: number[] = []
  for (let position = from; position < to; position++) {
    const index = n - 1 - position
    const id = history.ids[index]
    if (query.max_id > 0 && id >= query.max_id) continue
    if (query.min_id > 0 && id <= query.min_id) continue
    indices.push(index)
  }
  return indices
}

export function clampLimit(limit: number): number {
  if (!(limit > 0)) return HISTORY_LIMIT_DEFAULT
  return Math.min(limit, HISTORY_LIMIT_MAX)
}
