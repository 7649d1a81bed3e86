import { createHash } from 'node:crypto'
import { aesIgeDecrypt, aesIgeEncrypt } from './aes-ige.ts'
import type { RandomSource } from './random-source.ts'

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const xor = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.map((x, i) => x ^ b[i]!))
const ZERO_IV = Buffer.alloc(32)

/**
 * Undoes RSA_PAD (core.telegram.org/mtproto/auth_key, step 2, "RSA_PAD(data, server_public_key)")
 * on the 256-byte RSA plaintext:
 *   m = temp_key_xor (32) ‖ aes_encrypted (224);  temp_key = temp_key_xor xor SHA256(aes_encrypted)
 *   data_with_hash = AES256_IGE(aes_encrypted, temp_key, iv = 0)
 *                  = reverse(data_with_padding) (192) ‖ SHA256(temp_key ‖ data_with_padding) (32)
 * Returns data_with_padding (192 bytes: the TL object then random padding), or undefined when
 * the hash does not match (then the client used another scheme, or garbage).
 */
export function unwrapRsaPad(m: Uint8Array): Buffer | undefined {
  if (m.length !== 256) return undefined
  const aesEncrypted = m.subarray(32)
  const tempKey = xor(m.subarray(0, 32), sha256(aesEncrypted))
  const dataWithHash = aesIgeDecrypt(tempKey, ZERO_IV, aesEncrypted)
  const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse()
  const hash = dataWithHash.subarray(192)
  return sha256(tempKey, dataWithPadding).equals(hash) ? dataWithPadding : undefined
}

/**
 * RSA_PAD from the client's side, up to (not including) the RSA step: the 256-byte value to raise
 * to e. Used by tests that play the client. The caller retries with fresh randomness if the
 * result is not below the modulus.
 */
export function wrapRsaPad(data: Uint8Array, random: RandomSource): Buffer {
  if (data.length > 144) throw new RangeError('RSA_PAD data is at most 144 bytes')
  const dataWithPadding = Buffer.concat([data, random(192 - data.length)])
  const tempKey = random(32)
  const dataWithHash = Buffer.concat([Buffer.from(dataWithPadding).reverse(), sha256(tempKey, dataWithPadding)])
  const aesEncrypted = aesIgeEncrypt(tempKey, ZERO_IV, dataWithHash)
  return Buffer.concat([xor(tempKey, sha256(aesEncrypted)), aesEncrypted])
}

/**
 * Undoes the legacy scheme Telethon still uses: m = 0x00 ‖ SHA1(data) ‖ data ‖ padding, 255 bytes
 * below the leading zero. The data's length is not sent, so `measure` parses the TL object at
 * the start of its argument and returns how many bytes it took (throwing if it cannot).
 * Returns the data, or undefined when the SHA1 does not match.
 */
export function unwrapRsaLegacy(m: Uint8Array, measure: (body: Buffer) => number): Buffer | undefined {
  if (m.length !== 256 || m[0] !== 0) return undefined
  const hash = m.subarray(1, 21)
  const body = Buffer.from(m.subarray(21))
  let length: number
  try {
    length = measure(body)
  } catch {
    return undefined
  }
  if (length <= 0 || length > body.length) return undefined
  const data = body.subarray(0, length)
  return createHash('sha1').update(data).digest().equals(hash) ? data : undefined
}
