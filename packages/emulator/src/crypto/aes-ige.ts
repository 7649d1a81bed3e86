import { createCipheriv, createDecipheriv, type Cipheriv, type Decipheriv } from 'node:crypto'

/**
 * AES-256 in Infinite Garble Extension mode, as MTProto uses it
 * (core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector):
 *   c_i = E(p_i xor c_{i-1}) xor p_{i-1},  with c_0 = iv[0:16] and p_0 = iv[16:32]
 *   p_i = D(c_i xor p_{i-1}) xor c_{i-1}
 * Both directions are one chain — out_i = F(in_i xor out_{i-1}) xor in_{i-1} — started from
 * opposite halves of the IV. Built on single-block AES-256-ECB from node:crypto.
 */
export function aesIgeEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  checkArgs(key, iv, plaintext)
  const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  return igeChain(ecb, iv.subarray(0, 16), iv.subarray(16, 32), plaintext)
}

export function aesIgeDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  checkArgs(key, iv, ciphertext)
  const ecb = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  return igeChain(ecb, iv.subarray(16, 32), iv.subarray(0, 16), ciphertext)
}

function igeChain(block: Cipheriv | Decipheriv, firstPrevOut: Uint8Array, firstPrevIn: Uint8Array, input: Uint8Array): Buffer {
  const out = Buffer.alloc(input.length)
  let prevOut: Uint8Array = firstPrevOut
  let prevIn: Uint8Array = firstPrevIn
  const x = Buffer.alloc(16)
  for (let i = 0; i < input.length; i += 16) {
    for (let j = 0; j < 16; j++) x[j] = input[i + j]! ^ prevOut[j]!
    const y = block.update(x)
    for (let j = 0; j < 16; j++) out[i + j] = y[j]! ^ prevIn[j]!
    prevIn = input.subarray(i, i + 16)
    prevOut = out.subarray(i, i + 16)
  }
  return out
}

function checkArgs(key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('AES-IGE key must be 32 bytes')
  if (iv.length !== 32) throw new RangeError('AES-IGE iv must be 32 bytes')
  if (data.length % 16 !== 0) throw new RangeError('AES-IGE data must be whole 16-byte blocks')
}
