/**
 * Transport errors are sent the way Telegram sends them: a 4-byte payload holding the negative
 * code as a little-endian int32, framed like any other payload
 * (core.telegram.org/mtproto/mtproto-transports#transport-errors).
 */
export const TransportErrorCode = {
  /** auth_key_id not found, or a message the server cannot decrypt */
  AuthKeyNotFound: -404,
  /** too many connections or transport flood */
  Flood: -429,
  /** bad request, e.g. framing the server cannot read */
  Invalid: -444,
} as const

export function transportErrorPayload(code: number): Buffer {
  const payload = Buffer.alloc(4)
  payload.writeInt32LE(code, 0)
  return payload
}

/** The code in a 4-byte transport-error payload, or undefined for any other payload. */
export function readTransportError(payload: Buffer): number | undefined {
  if (payload.length !== 4) return undefined
  const code = payload.readInt32LE(0)
  return code < 0 ? code : undefined
}
