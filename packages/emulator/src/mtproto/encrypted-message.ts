import { aesIgeDecrypt, aesIgeEncrypt } from '../crypto/aes-ige.ts'
import { type Direction, messageAesKeyIv, messageKey } from '../crypto/message-key.ts'
import type { RandomSource } from '../crypto/random-source.ts'

/**
 * The plaintext of an MTProto 2.0 encrypted message
 * (core.telegram.org/mtproto/description#encrypted-message-encrypted-data):
 *   salt (int64) | session_id (int64) | message_id (int64) | seq_no (int32) | message_data_length (int32)
 *   | message_data | padding 12..1024
 */
export interface MessageEnvelope {
  salt: bigint
  sessionId: bigint
  msgId: bigint
  seqNo: number
  body: Buffer
}

const HEADER = 32

/**
 * auth_key_id | msg_key | AES-256-IGE(plaintext), x = `direction`. Padding is 12 to 27 random
 * bytes, the least that reaches a whole block plus up to one more block (the spec allows 12–1024).
 */
export function encryptMessage(
  authKey: Buffer,
  authKeyId: bigint,
  envelope: MessageEnvelope,
  direction: Direction,
  random: RandomSource,
): Buffer {
  const unpadded = HEADER + envelope.body.length
  const paddingLength = 12 + ((16 - ((unpadded + 12) % 16)) % 16) + (random(1)[0]! & 1) * 16
  const plaintext = Buffer.alloc(unpadded + paddingLength)
  plaintext.writeBigInt64LE(envelope.salt, 0)
  plaintext.writeBigInt64LE(envelope.sessionId, 8)
  plaintext.writeBigInt64LE(envelope.msgId, 16)
  plaintext.writeInt32LE(envelope.seqNo | 0, 24)
  plaintext.writeUInt32LE(envelope.body.length, 28)
  envelope.body.copy(plaintext, HEADER)
  random(paddingLength).copy(plaintext, unpadded)
  const msgKey = messageKey(authKey, plaintext, direction)
  const { key, iv } = messageAesKeyIv(authKey, msgKey, direction)
  const head = Buffer.alloc(8)
  head.writeBigInt64LE(authKeyId, 0)
  return Buffer.concat([head, msgKey, aesIgeEncrypt(key, iv, plaintext)])
}

export type DecryptFailure = 'short' | 'msg_key' | 'length' | 'padding'

/**
 * Decrypts and verifies one message sent with x = `direction`: msg_key must match the decrypted
 * plaintext, the body length must be a multiple of 4 and leave 12–1024 bytes of padding
 * (core.telegram.org/mtproto/security_guidelines#mtproto-encrypted-messages).
 * Trailing bytes after the last whole block (padded intermediate transport) are ignored.
 */
export function decryptMessage(
  authKey: Buffer,
  payload: Buffer,
  direction: Direction,
): { ok: true; envelope: MessageEnvelope } | { ok: false; reason: DecryptFailure } {
  if (payload.length < 24 + HEADER + 16) return { ok: false, reason: 'short' }
  const msgKey = payload.subarray(8, 24)
  const encrypted = payload.subarray(24, 24 + Math.floor((payload.length - 24) / 16) * 16)
  const { key, iv } = messageAesKeyIv(authKey, msgKey, direction)
  const plaintext = aesIgeDecrypt(key, iv, encrypted)
  if (!messageKey(authKey, plaintext, direction).equals(msgKey)) return { ok: false, reason: 'msg_key' }
  const length = plaintext.readUInt32LE(28)
  if (length % 4 !== 0 || length > plaintext.length - HEADER) return { ok: false, reason: 'length' }
  const padding = plaintext.length - HEADER - length
  if (padding < 12 || padding > 1024) return { ok: false, reason: 'padding' }
  return {
    ok: true,
    envelope: {
      salt: plaintext.readBigInt64LE(0),
      sessionId: plaintext.readBigInt64LE(8),
      msgId: plaintext.readBigInt64LE(16),
      seqNo: plaintext.readInt32LE(24),
      body: plaintext.subarray(HEADER, HEADER + length),
    },
  }
}
