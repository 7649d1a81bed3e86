import { createHash } from 'node:crypto'

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** x in the MTProto 2.0 formulas: 0 for messages from the client, 8 for messages to it. */
export const FROM_CLIENT = 0
export const TO_CLIENT = 8
export type Direction = typeof FROM_CLIENT | typeof TO_CLIENT

/**
 * msg_key = substr(SHA256(substr(auth_key, 88+x, 32) + plaintext + random_padding), 8, 16)
 * (core.telegram.org/mtproto/description#message-key-msg-key).
 */
export function messageKey(authKey: Uint8Array, plaintextWithPadding: Uint8Array, x: Direction): Buffer {
  return sha256(authKey.subarray(88 + x, 120 + x), plaintextWithPadding).subarray(8, 24)
}

/**
 * aes_key and aes_iv from auth_key and msg_key
 * (core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector):
 *   sha256_a = SHA256(msg_key + substr(auth_key, x, 36))
 *   sha256_b = SHA256(substr(auth_key, 40+x, 36) + msg_key)
 *   aes_key = substr(sha256_a, 0, 8) + substr(sha256_b, 8, 16) + substr(sha256_a, 24, 8)
 *   aes_iv  = substr(sha256_b, 0, 8) + substr(sha256_a, 8, 16) + substr(sha256_b, 24, 8)
 */
export function messageAesKeyIv(authKey: Uint8Array, msgKey: Uint8Array, x: Direction): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, 36 + x))
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey)
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  }
}
