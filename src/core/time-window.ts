/**
 * The `/messages` time window, parsed the way the Python service's clients already send it:
 * pydantic's datetime grammar (`YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|±HH[:MM]]`), a bare date,
 * or a Unix timestamp. A time without an offset is taken as UTC.
 */

/** A window of time: messages with start < date <= end. */
export interface TimeWindow {
  /** Exclusive lower bound, milliseconds since the epoch. */
  startMs: number
  /** Inclusive upper bound, milliseconds since the epoch. */
  endMs: number
}

const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

export type TimeParse = { ok: true; ms: number } | { ok: false; reason: string }

export function parseTime(text: string): TimeParse {
  const trimmed = text.trim()
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed)
    // pydantic reads large numbers as milliseconds (anything past 2e10 seconds).
    const ms = Math.abs(n) > 2e10 ? n : n * 1000
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return { ok: false, reason: 'timestamp out of range' }
    // As for dates written out below: a window before 1970 is a mistake, not a query.
    return ms >= 0 ? { ok: true, ms } : { ok: false, reason: 'timestamp before 1970' }
  }
  const m = DATE_TIME.exec(trimmed)
  if (!m) return { ok: false, reason: 'expected an ISO 8601 date-time such as 2025-07-01T12:00:00Z' }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return { ok: false, reason: 'date-time field out of range' }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day < 1 || day > daysInMonth) return { ok: false, reason: 'day out of range for the month' }
  let offsetMinutes = 0
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1
    const digits = tz.slice(1).replace(':', '')
    const oh = Number(digits.slice(0, 2))
    const om = Number(digits.slice(2) || '0')
    if (oh > 23 || om > 59) return { ok: false, reason: 'UTC offset out of range' }
    offsetMinutes = sign * (oh * 60 + om)
  }
  const ms =
    Date.UTC(year, month - 1, day, hour, minute, second) + Number((frac + '000').slice(0, 3)) - offsetMinutes * 60_000
  // Date.UTC maps years 0-99 to 1900-1999; a window that far back is a mistake, not a query.
  if (year < 1970 || !Number.isFinite(ms)) return { ok: false, reason: 'date-time before 1970' }
  return { ok: true, ms }
}

export type WindowParse = { ok: true; window: TimeWindow } | { ok: false; field: string; reason: string }

export function parseWindow(start: string, end: string | undefined, nowMs: number): WindowParse {
  const s = parseTime(start)
  if (!s.ok) return { ok: false, field: 'start_time', reason: s.reason }
  let endMs = nowMs
  if (end !== undefined) {
    const e = parseTime(end)
    if (!e.ok) return { ok: false, field: 'end_time', reason: e.reason }
    endMs = e.ms
  }
  if (s.ms >= endMs) return { ok: false, field: 'start_time', reason: 'start_time must be before end_time' }
  return { ok: true, window: { startMs: s.ms, endMs } }
}
