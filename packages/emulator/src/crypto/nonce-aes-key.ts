import { createHash } from 'node:crypto'

const sha1 = (...parts: Uint8Array[]) => {
  const h = createHash('sha1')
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * The temporary AES key and IV that protect server_DH_inner_data and client_DH_inner_data
 * (core.telegram.org/mtproto/auth_key, step 3):
 *   tmp_aes_key = SHA1(new_nonce + server_nonce) + substr(SHA1(server_nonce + new_nonce), 0, 12)
 *   tmp_aes_iv  = substr(SHA1(server_nonce + new_nonce), 12, 8) + SHA1(new_nonce + new_nonce)
 *                 + substr(new_nonce, 0, 4)
 */
export function nonceAesKeyIv(serverNonce: Uint8Array, newNonce: Uint8Array): { key: Buffer; iv: Buffer } {
  const newServer = sha1(newNonce, serverNonce)
  const serverNew = sha1(serverNonce, newNonce)
  const newNew = sha1(newNonce, newNonce)
  return {
    key: Buffer.concat([newServer, serverNew.subarray(0, 12)]),
    iv: Buffer.concat([serverNew.subarray(12, 20), newNew, newNonce.subarray(0, 4)]),
  }
}
