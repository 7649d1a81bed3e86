/**
 * How a /messages response names the channels it left out because Telegram would not let them
 * be read, without touching the body (whose JSON stays exactly the Python service's):
 *
 *     Skipped-Channels: 2200001688;reason=channel_private, 2200004021;reason=no_access_hash
 *
 * an RFC 8941 List of Integers (the channel ids) with a `reason` Token parameter. As a header it
 * names the channels known before the body starts (the dialog listing, and reads refused before
 * the first message); as a trailer (RFC 9110 §6.5, announced by `Trailer: Skipped-Channels`,
 * sent after the last chunk) it names every channel skipped in the whole response, those
 * learned while streaming included. An empty trailer value means none.
 */
import type { SkippedChannel } from '../telegram/connector.ts'

export const SKIPPED_CHANNELS_FIELD = 'Skipped-Channels'

/** The field value; the empty string for no channel (an empty RFC 8941 List). */
export function skippedChannelsValue(channels: readonly SkippedChannel[]): string {
  return channels.map((channel) => `${channel.id};reason=${channel.reason}`).join(', ')
}
