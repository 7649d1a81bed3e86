import { bigIntFromBytes, bigIntToBytes } from './big-endian.ts'
import { modPow } from './mod-pow.ts'
import type { RsaServerKey } from './rsa-server-key.ts'

/**
 * Textbook RSA: m = c^d mod n, as 256 big-endian bytes. MTProto puts its own padding inside
 * (RSA_PAD or the legacy SHA1 scheme), so no PKCS#1 unpadding happens here.
 * Returns undefined when c is not a valid ciphertext (c ≥ n).
 */
export function rsaDecryptRaw(key: RsaServerKey, ciphertext: Uint8Array): Buffer | undefined {
  if (ciphertext.length > 256) return undefined
  const c = bigIntFromBytes(ciphertext)
  if (c >= key.n) return undefined
  return bigIntToBytes(modPow(c, key.d, key.n), 256)
}

/** c = m^e mod n; the client's half, used by tests that play the client. */
export function rsaEncryptRaw(key: Pick<RsaServerKey, 'n' | 'e'>, plaintext: Uint8Array): Buffer {
  return bigIntToBytes(modPow(bigIntFromBytes(plaintext), key.e, key.n), 256)
}
