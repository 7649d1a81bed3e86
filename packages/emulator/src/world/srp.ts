import { createHash, pbkdf2Sync } from 'node:crypto'
import { bigIntFromBytes, bigIntToBytes } from '../crypto/big-endian.ts'
import { DH_G, DH_PRIME, DH_PRIME_BYTES } from '../crypto/dh-group.ts'
import { modPow } from '../crypto/mod-pow.ts'

/**
 * Two-step verification by SRP-2048, as core.telegram.org/api/srp describes it, for algo
 * passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow. The server keeps only
 * the verifier v = g^x mod p; the client proves it knows x with (A, M1). The group is the
 * key exchange's: Telegram's 2048-bit safe prime with g = 3.
 */

export const SRP_PRIME = DH_PRIME_BYTES
export const SRP_G = DH_G

const P = DH_PRIME
const G = BigInt(SRP_G)
const G_PADDED = pad256(G)

/** The password's algorithm parameters, as account.password.current_algo carries them. */
export interface SrpAlgo {
  salt1: Buffer
  salt2: Buffer
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** SH(data, salt) := H(salt | data | salt) */
function sh(data: Buffer, salt: Buffer): Buffer {
  return sha256(salt, data, salt)
}

/** x := PH2(password, salt1, salt2) = SH(pbkdf2(sha512, PH1(password, salt1, salt2), salt1, 100000), salt2) */
export function passwordHash(password: string, algo: SrpAlgo): Buffer {
  const ph1 = sh(sh(Buffer.from(password, 'utf8'), algo.salt1), algo.salt2)
  return sh(pbkdf2Sync(ph1, algo.salt1, 100000, 64, 'sha512'), algo.salt2)
}

/** v := g^x mod p, 256 bytes big-endian. */
export function srpVerifier(password: string, algo: SrpAlgo): Buffer {
  return pad256(modPow(G, toBigInt(passwordHash(password, algo)), P))
}

/** k := H(p | g) */
function multiplier(): bigint {
  return toBigInt(sha256(SRP_PRIME, G_PADDED))
}

/** Server's public value B := (k·v + g^b) mod p for its secret b. */
export function srpServerB(verifier: Buffer, b: Buffer): Buffer {
  const v = toBigInt(verifier)
  return pad256((multiplier() * v + modPow(G, toBigInt(b), P)) % P)
}

/** M1 := H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | H(S)) */
function proof(algo: SrpAlgo, A: Buffer, B: Buffer, S: bigint): Buffer {
  const hp = sha256(SRP_PRIME)
  const hg = sha256(G_PADDED)
  const xored = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) xored[i] = hp[i] ^ hg[i]
  return sha256(xored, sha256(algo.salt1), sha256(algo.salt2), A, B, sha256(pad256(S)))
}

/**
 * The server's check of a client's (A, M1): S := (A · v^u)^b mod p with u := H(A | B).
 * A must be a valid group element (1 < A < p - 1), as the spec requires of both sides.
 */
export function srpCheck(params: { algo: SrpAlgo; verifier: Buffer; b: Buffer; A: Buffer; M1: Buffer }): boolean {
  const A = toBigInt(params.A)
  if (A <= 1n || A >= P - 1n || params.M1.length !== 32) return false
  const B = srpServerB(params.verifier, params.b)
  const Apadded = pad256(A)
  const u = toBigInt(sha256(Apadded, B))
  if (u === 0n) return false
  const v = toBigInt(params.verifier)
  const S = modPow((A * modPow(v, u, P)) % P, toBigInt(params.b), P)
  return proof(params.algo, Apadded, B, S).equals(params.M1)
}

/**
 * The client's side, for tests and known-answer vectors: from the password, B and a secret a,
 * A := g^a and S := (B - k·v)^(a + u·x) mod p.
 */
export function srpClientProof(password: string, algo: SrpAlgo, serverB: Buffer, a: Buffer): { A: Buffer; M1: Buffer } {
  const x = toBigInt(passwordHash(password, algo))
  const v = modPow(G, x, P)
  const A = pad256(modPow(G, toBigInt(a), P))
  const B = pad256(toBigInt(serverB))
  const u = toBigInt(sha256(A, B))
  let t = (toBigInt(B) - ((multiplier() * v) % P)) % P
  if (t < 0n) t += P
  const S = modPow(t, toBigInt(a) + u * x, P)
  return { A, M1: proof(algo, A, B, S) }
}

function toBigInt(bytes: Buffer): bigint {
  return bigIntFromBytes(bytes)
}

function pad256(value: bigint): Buffer {
  return bigIntToBytes(value, 256)
}
