import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { TlWriter } from '../tl/tl-writer.ts'
import { bigIntFromBytes, bigIntToMinimalBytes } from './big-endian.ts'

/**
 * The DC's RSA key: clients encrypt p_q_inner_data to it in req_DH_params
 * (core.telegram.org/mtproto/auth_key, step 2) and find it by fingerprint in resPQ.
 */
export interface RsaServerKey {
  readonly n: bigint
  readonly e: bigint
  readonly d: bigint
  /** 64 lower-order bits of SHA1(tl_bytes(n) ‖ tl_bytes(e)), as an unsigned little-endian long. */
  readonly fingerprint: bigint
  /** What clients are given: `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1). */
  readonly publicKeyPem: string
  /** For persisting the key: PKCS#8 `-----BEGIN PRIVATE KEY-----`. Never log it. */
  readonly privateKeyPem: string
}

/**
 * Generates a 2048-bit key whose fingerprint mtcute 0.30.3 can find. mtcute indexes its keys by the
 * fingerprint's 16-digit hex but looks them up with leading zeros dropped, so a key whose hex
 * begins with '0' (fingerprint < 2^60, about one key in sixteen) is never found and the client
 * reconnects in a loop. Such keys are drawn again.
 */
export function generateRsaServerKey(): RsaServerKey {
  for (;;) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 })
    const key = rsaServerKeyFrom(privateKey)
    if (isFingerprintFindableByMtcute(key.fingerprint)) return key
  }
}

/** Loads a private key from PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`). */
export function loadRsaServerKey(pem: string): RsaServerKey {
  return rsaServerKeyFrom(createPrivateKey({ key: pem, format: 'pem' }))
}

export function isFingerprintFindableByMtcute(fingerprint: bigint): boolean {
  return fingerprint >= 1n << 60n
}

export function rsaFingerprint(n: bigint, e: bigint): bigint {
  const data = new TlWriter().bytes(bigIntToMinimalBytes(n)).bytes(bigIntToMinimalBytes(e)).finish()
  return createHash('sha1').update(data).digest().readBigUInt64LE(12)
}

function rsaServerKeyFrom(privateKey: KeyObject): RsaServerKey {
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the server key must be an RSA key')
  const jwk = privateKey.export({ format: 'jwk' })
  const n = bigIntFromBytes(Buffer.from(jwk.n!, 'base64url'))
  const e = bigIntFromBytes(Buffer.from(jwk.e!, 'base64url'))
  const d = bigIntFromBytes(Buffer.from(jwk.d!, 'base64url'))
  if (n.toString(16).length !== 512) throw new Error('the server key must be a 2048-bit RSA key')
  const publicKeyPem = createPublicKeyPem(privateKey)
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return Object.freeze({ n, e, d, fingerprint: rsaFingerprint(n, e), publicKeyPem, privateKeyPem })
}

function createPublicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'pkcs1', format: 'pem' }).toString()
}
