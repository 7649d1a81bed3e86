/** Unsigned big-endian bytes ↔ bigint, the encoding MTProto uses for RSA and DH numbers. */
export function bigIntFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

/** `value` as exactly `length` big-endian bytes (left-padded with zeros). */
export function bigIntToBytes(value: bigint, length: number): Buffer {
  if (value < 0n) throw new RangeError('negative value')
  const hex = value.toString(16)
  if (hex.length > length * 2) throw new RangeError(`value does not fit in ${length} bytes`)
  return Buffer.from(hex.padStart(length * 2, '0'), 'hex')
}

/** `value` in as few big-endian bytes as it needs (what tl_bytes(n) of an RSA modulus holds). */
export function bigIntToMinimalBytes(value: bigint): Buffer {
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
}
