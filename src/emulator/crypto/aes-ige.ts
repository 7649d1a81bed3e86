import { createCipheriv, createDecipheriv } from 'node:crypto'

/**
 * AES-256 in Infinite Garble Extension mode, as MTProto uses it
 * (core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector):
 *   c_i = E(p_i xor c_{i-1}) xor p_{i-1},  with c_0 = iv[0:16] and p_0 = iv[16:32]
 *   p_i = D(c_i xor p_{i-1}) xor c_{i-1}
 * Built on single-block AES-256-ECB from node:crypto.
 */
export function aesIgeEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  checkArgs(key, iv, plaintext)
  const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  const out = Buffer.alloc(plaintext.length)
  let prevCipher = Buffer.from(iv.subarray(0, 16))
  let prevPlain = Buffer.from(iv.subarray(16, 32))
  const block = Buffer.alloc(16)
  for (let i = 0; i < plaintext.length; i += 16) {
    for (let j = 0; j < 16; j++) block[j] = plaintext[i + j]! ^ prevCipher[j]!
    const encrypted = ecb.update(block)
    for (let j = 0; j < 16; j++) out[i + j] = encrypted[j]! ^ prevPlain[j]!
    prevPlain = Buffer.from(plaintext.subarray(i, i + 16))
    prevCipher = out.subarray(i, i + 16)
  }
  return out
}

export function aesIgeDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  checkArgs(key, iv, ciphertext)
  const ecb = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  const out = Buffer.alloc(ciphertext.length)
  let prevCipher = Buffer.from(iv.subarray(0, 16))
  let prevPlain = Buffer.from(iv.subarray(16, 32))
  const block = Buffer.alloc(16)
  for (let i = 0; i < ciphertext.length; i += 16) {
    for (let j = 0; j < 16; j++) block[j] = ciphertext[i + j]! ^ prevPlain[j]!
    const decrypted = ecb.update(block)
    for (let j = 0; j < 16; j++) out[i + j] = decrypted[j]! ^ prevCipher[j]!
    prevCipher = Buffer.from(ciphertext.subarray(i, i + 16))
    prevPlain = out.subarray(i, i + 16)
  }
  return out
}

function checkArgs(key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('AES-IGE key must be 32 bytes')
  if (iv.length !== 32) throw new RangeError('AES-IGE iv must be 32 bytes')
  if (data.length % 16 !== 0) throw new RangeError('AES-IGE data must be whole 16-byte blocks')
}
