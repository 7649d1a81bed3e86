import { MtprotoError } from './mtproto-error.ts'

/**
 * Unencrypted messages, used only by the key exchange
 * (core.telegram.org/mtproto/description#unencrypted-message):
 *   auth_key_id = 0 (int64) | message_id (int64) | message_data_length (int32) | message_data
 */
export interface PlainMessage {
  msgId: bigint
  body: Buffer
}

export function decodePlainMessage(payload: Buffer): PlainMessage {
  if (payload.length < 20) throw new MtprotoError('plain message shorter than its header')
  if (payload.readBigInt64LE(0) !== 0n) throw new MtprotoError('plain message with a non-zero auth_key_id')
  const length = payload.readUInt32LE(16)
  // The padded intermediate transport may append up to 15 bytes after the body.
  if (length > payload.length - 20) throw new MtprotoError('plain message length exceeds the payload')
  return { msgId: payload.readBigInt64LE(8), body: payload.subarray(20, 20 + length) }
}

export function encodePlainMessage(msgId: bigint, body: Buffer): Buffer {
  const header = Buffer.alloc(20)
  header.writeBigInt64LE(msgId, 8)
  header.writeUInt32LE(body.length, 16)
  return Buffer.concat([header, body])
}
