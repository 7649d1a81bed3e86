import { mix32, Prng } from './prng.ts'
import type { WorldChannel, WorldInvite } from './world.ts'

/**
 * The world's invite links (https://core.telegram.org/api/invites#invite-links), one set per
 * private channel, derived from (seed, channel id) alone so they never disturb the rest of the
 * world: every private channel has an expired link, and a live one that joins at once (the
 * first, third, … private channel) or that asks the admins for approval (the second, fourth, …).
 */
export function generateInvites(seed: number, privateChannels: readonly WorldChannel[]): WorldInvite[] {
  const invites: WorldInvite[] = []
  privateChannels.forEach((channel, index) => {
    invites.push({ hash: inviteHash(seed, channel.id, 0), channelId: channel.id, kind: index % 2 === 0 ? 'open' : 'approval' })
    invites.push({ hash: inviteHash(seed, channel.id, 1), channelId: channel.id, kind: 'expired' })
  })
  return invites
}

/** Sixteen characters of base64url, the alphabet of Telegram's invite hashes. */
function inviteHash(seed: number, channelId: number, variant: number): string {
  return new Prng(mix32(seed, 0x1a7e, channelId, variant)).bytes(12).toString('base64url')
}
