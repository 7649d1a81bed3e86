/**
 * The live feed's resume cursor (LiveEvent.id): where one subscriber stands, opaque to clients.
 *
 * - `positions`: per channel, the highest message id delivered. Telegram is the log: a resume
 *   reads each channel's history after that id, so nothing is missed and nothing comes twice
 *   whatever happened in between (a dropped connection, a restart, days of downtime).
 * - `origin`: channels not in `positions` resume with messages dated after it (Unix seconds):
 *   the moment the stream began, or its `start_time`.
 * - `epoch` and `seq`: the process that served the event and its place in that process's
 *   journal. Resuming in the same process while the journal still holds `seq` replays the
 *   journal instead (edits and deletions included) and costs Telegram nothing. `live` says
 *   the event came after the stream's catch-up from history was complete.
 *
 * Wire form: `<event id>/` (LiveEvent.eventId, what a consumer deduplicates by) then base64url
 * of `1~epoch~seq~L|C~origin~channel.id,channel.id…`, numbers in base 36; the event id is left
 * out of a cursor that stands before any event. Safe in an SSE `id:` line and an HTTP header.
 */

export interface LiveCursor {
  readonly epoch: string
  readonly seq: number
  readonly live: boolean
  readonly origin: number
  readonly positions: ReadonlyMap<number, number>
}

const VERSION = '1'
/** The epoch of a cursor no process wrote (a sink's chosen start): never a process's own (those are random). */
export const START_EPOCH = 's'
/** A cursor is a header value too; this keeps a hostile one from costing more than a parse. */
export const MAX_CURSOR_LENGTH = 64 * 1024
const EPOCH = /^[0-9a-z]{1,16}$/
const NUMBER = /^[0-9a-z]{1,12}$/

export function encodeCursor(cursor: LiveCursor): string {
  const positions = [...cursor.positions]
    .sort((a, b) => a[0] - b[0])
    .map(([channel, id]) => `${channel.toString(36)}.${id.toString(36)}`)
    .join(',')
  const text = [VERSION, cursor.epoch, cursor.seq.toString(36), cursor.live ? 'L' : 'C', cursor.origin.toString(36), positions].join('~')
  return Buffer.from(text, 'utf8').toString('base64url')
}

/** The cursor of one event: its id, then where it stands. */
export function eventCursor(eventId: string, cursor: LiveCursor): string {
  return `${eventId}/${encodeCursor(cursor)}`
}

/** The cursor, or null when `text` is not one this service wrote. */
export function decodeCursor(text: string): LiveCursor | null {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^(?:[0-9A-Za-z:,-]+\/)?[A-Za-z0-9_-]+$/.test(text)) return null
  const parts = Buffer.from(text.slice(text.lastIndexOf('/') + 1), 'base64url').toString('utf8').split('~')
  if (parts.length !== 6 || parts[0] !== VERSION) return null
  const [, epoch, seqText, phase, originText, positionsText] = parts
  if (!EPOCH.test(epoch) || (phase !== 'L' && phase !== 'C')) return null
  const seq = base36(seqText)
  const origin = base36(originText)
  if (seq === null || origin === null) return null
  const positions = new Map<number, number>()
  if (positionsText !== '') {
    for (const pair of positionsText.split(',')) {
      const [channelText, idText, extra] = pair.split('.')
      if (extra !== undefined || channelText === undefined || idText === undefined) return null
      const channel = base36(channelText)
      const id = base36(idText)
      if (channel === null || id === null || positions.has(channel)) return null
      positions.set(channel, id)
    }
  }
  return { epoch, seq, live: phase === 'L', origin, positions }
}

function base36(text: string): number | null {
  if (!NUMBER.test(text)) return null
  const value = parseInt(text, 36)
  return Number.isSafeInteger(value) ? value : null
}
