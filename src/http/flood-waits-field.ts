/**
 * How a /messages response names the Telegram flood waits its read sat through, without touching
 * the body (whose JSON stays exactly the Python service's):
 *
 *     Flood-Waits: messages.getHistory;seconds=15
 *
 * an RFC 8941 List of Tokens (the method held) with a `seconds` Integer parameter (how long was
 * left of the wait when the read met it). As a header it names the waits sat through before the
 * answer started; as a trailer (announced by `Trailer: Flood-Waits`, sent after the last chunk)
 * every wait of the whole read. An empty trailer value means none.
 */
import type { HeldWait } from '../telegram/calls/flood-gate.ts'

export const FLOOD_WAITS_FIELD = 'Flood-Waits'

/** The field value; the empty string for no wait (an empty RFC 8941 List). */
export function floodWaitsValue(waits: readonly HeldWait[]): string {
  return waits.map((wait) => `${wait.method};seconds=${wait.seconds}`).join(', ')
}
