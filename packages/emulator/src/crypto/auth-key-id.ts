import { createHash } from 'node:crypto'

/**
 * auth_key_id: the 64 lower-order bits of SHA1(auth_key), i.e. bytes 12..20
 * (core.telegram.org/mtproto/description#key-identifier-auth-key-id), read as the signed
 * little-endian long that starts every encrypted message — signed like every TL long.
 */
export function authKeyIdOf(authKey: Uint8Array): bigint {
  return createHash('sha1').update(authKey).digest().readBigInt64LE(12)
}
