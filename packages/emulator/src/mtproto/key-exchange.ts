import { createHash } from 'node:crypto'
import { aesIgeDecrypt, aesIgeEncrypt } from '../crypto/aes-ige.ts'
import { authKeyIdOf } from '../crypto/auth-key-id.ts'
import { bigIntFromBytes, bigIntToBytes, bigIntToMinimalBytes } from '../crypto/big-endian.ts'
import { DH_G, DH_PRIME, DH_PRIME_BYTES, isSafeDhValue } from '../crypto/dh-group.ts'
import { modPow } from '../crypto/mod-pow.ts'
import { nonceAesKeyIv } from '../crypto/nonce-aes-key.ts'
import type { RandomSource } from '../crypto/random-source.ts'
import { rsaDecryptRaw } from '../crypto/rsa-decrypt.ts'
import { unwrapRsaLegacy, unwrapRsaPad } from '../crypto/rsa-pad.ts'
import type { RsaServerKey } from '../crypto/rsa-server-key.ts'
import { mtpSchema } from '../tl/schemas.ts'
import { encodeObject, readObject } from '../tl/tl-codec.ts'
import type { TlObject } from '../tl/tl-object.ts'
import { TlReader } from '../tl/tl-reader.ts'
import { MtprotoError } from './mtproto-error.ts'

const sha1 = (...parts: Uint8Array[]) => {
  const h = createHash('sha1')
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * The pq the server hands out. The spec lets the server pick it; a fixed product of two 31-bit
 * primes is what clients factorise instantly (core.telegram.org/mtproto/auth_key, step 1 example).
 */
export const PQ = { pq: 0x17ed48941a08f981n, p: 0x494c553bn, q: 0x53911073n } as const

export interface KeyExchangeDeps {
  rsaKey: RsaServerKey
  random: RandomSource
  /** Unix seconds, sent as server_time (clients set their clock offset from it). */
  now: () => number
  /** Whether an auth_key_id is already in use; a collision is answered with dh_gen_retry. */
  isKeyIdTaken?: (id: bigint) => boolean
}

/** A key the exchange produced, ready to store. */
export interface NewAuthKey {
  key: Buffer
  id: bigint
  /** new_nonce[0:8] xor server_nonce[0:8], read as a long. */
  firstSalt: bigint
  /** The dc the client named in p_q_inner_data_dc (negative for media-only). */
  dc?: number
  /** Present for p_q_inner_data_temp_dc: a temporary key for PFS, valid this many seconds. */
  tempExpiresIn?: number
}

export interface KeyExchangeStep {
  reply: TlObject
  created?: NewAuthKey
}

interface PqSent {
  stage: 'pq-sent'
  nonce: Buffer
  serverNonce: Buffer
}
interface DhSent {
  stage: 'dh-sent'
  nonce: Buffer
  serverNonce: Buffer
  newNonce: Buffer
  a: bigint
  tmp: { key: Buffer; iv: Buffer }
  dc?: number
  tempExpiresIn?: number
}

/**
 * The server's half of creating an auth key (core.telegram.org/mtproto/auth_key), one instance
 * per connection. Each step checks what the spec says the server must check; any violation is an
 * MtprotoError, answered by closing the connection as Telegram does.
 */
export class KeyExchange {
  private state: PqSent | DhSent | undefined

  private readonly deps: KeyExchangeDeps

  constructor(deps: KeyExchangeDeps) {
    this.deps = deps
  }

  handle(request: TlObject): KeyExchangeStep {
    switch (request._) {
      case 'req_pq_multi':
      case 'req_pq':
        return this.reqPq(request)
      case 'req_DH_params':
        return this.reqDhParams(request)
      case 'set_client_DH_params':
        return this.setClientDhParams(request)
      default:
        throw new MtprotoError(`unexpected ${request._} before an auth key exists`)
    }
  }

  /**
   * Step 1. req_pq_multi#be7e8ef1 nonce:int128 = ResPQ;
   * resPQ#05162463 nonce:int128 server_nonce:int128 pq:string server_public_key_fingerprints:Vector<long> = ResPQ;
   */
  private reqPq(request: TlObject): KeyExchangeStep {
    const nonce = int128(request.nonce, 'nonce')
    const serverNonce = this.deps.random(16)
    this.state = { stage: 'pq-sent', nonce, serverNonce }
    return {
      reply: {
        _: 'resPQ',
        nonce,
        server_nonce: serverNonce,
        pq: bigIntToMinimalBytes(PQ.pq),
        server_public_key_fingerprints: [this.deps.rsaKey.fingerprint],
      },
    }
  }

  /**
   * Step 2. req_DH_params#d712e4be nonce:int128 server_nonce:int128 p:string q:string
   *   public_key_fingerprint:long encrypted_data:string = Server_DH_Params;
   * encrypted_data is RSA(RSA_PAD(p_q_inner_data_dc)) — or, from Telethon, the legacy
   * RSA(SHA1(data) ‖ data ‖ padding).
   * Answer: server_DH_params_ok#d0e8075c nonce:int128 server_nonce:int128 encrypted_answer:string
   *   with encrypted_answer = AES256_IGE(SHA1(answer) ‖ answer ‖ padding, tmp_aes_key, tmp_aes_iv)
   *   and answer = server_DH_inner_data#b5890dba nonce server_nonce g:int dh_prime:string g_a:string server_time:int.
   */
  private reqDhParams(request: TlObject): KeyExchangeStep {
    const state = this.state
    if (state?.stage !== 'pq-sent') throw new MtprotoError('req_DH_params without a preceding req_pq')
    this.checkNonces(request, state)
    if (BigInt.asUintN(64, request.public_key_fingerprint as bigint) !== this.deps.rsaKey.fingerprint) {
      throw new MtprotoError('req_DH_params for an unknown public key fingerprint')
    }
    if (bigIntFromBytes(request.p as Buffer) !== PQ.p || bigIntFromBytes(request.q as Buffer) !== PQ.q) {
      throw new MtprotoError('req_DH_params with wrong p, q')
    }

    const inner = this.decryptInnerData(request.encrypted_data as Buffer)
    if (!['p_q_inner_data', 'p_q_inner_data_dc', 'p_q_inner_data_temp_dc'].includes(inner._)) {
      throw new MtprotoError(`unexpected ${inner._} in req_DH_params`)
    }
    this.checkNonces(inner, state)
    if (
      bigIntFromBytes(inner.pq as Buffer) !== PQ.pq ||
      bigIntFromBytes(inner.p as Buffer) !== PQ.p ||
      bigIntFromBytes(inner.q as Buffer) !== PQ.q
    ) {
      throw new MtprotoError('p_q_inner_data with wrong pq, p, q')
    }
    const newNonce = int256(inner.new_nonce)

    let a: bigint
    let gA: bigint
    do {
      a = bigIntFromBytes(this.deps.random(256))
      gA = modPow(BigInt(DH_G), a, DH_PRIME)
    } while (!isSafeDhValue(gA))

    const answer = encodeObject(mtpSchema(), {
      _: 'server_DH_inner_data',
      nonce: state.nonce,
      server_nonce: state.serverNonce,
      g: DH_G,
      dh_prime: DH_PRIME_BYTES,
      g_a: bigIntToBytes(gA, 256),
      server_time: Math.floor(this.deps.now()),
    })
    const withHash = Buffer.concat([sha1(answer), answer])
    const padded = Buffer.concat([withHash, this.deps.random((16 - (withHash.length % 16)) % 16)])
    const tmp = nonceAesKeyIv(state.serverNonce, newNonce)

    this.state = {
      stage: 'dh-sent',
      nonce: state.nonce,
      serverNonce: state.serverNonce,
      newNonce,
      a,
      tmp,
      ...(inner.dc === undefined ? {} : { dc: inner.dc as number }),
      ...(inner._ === 'p_q_inner_data_temp_dc' ? { tempExpiresIn: inner.expires_in as number } : {}),
    }
    return {
      reply: {
        _: 'server_DH_params_ok',
        nonce: state.nonce,
        server_nonce: state.serverNonce,
        encrypted_answer: aesIgeEncrypt(tmp.key, tmp.iv, padded),
      },
    }
  }

  /**
   * Step 3. set_client_DH_params#f5045f1f nonce:int128 server_nonce:int128 encrypted_data:string
   *   with encrypted_data = AES256_IGE(SHA1(data) ‖ data ‖ padding) and
   *   data = client_DH_inner_data#6643b654 nonce server_nonce retry_id:long g_b:string.
   * auth_key = g_b^a mod dh_prime; answer dh_gen_ok#3bcbf734 nonce server_nonce new_nonce_hash1:int128
   * with new_nonce_hash1 = SHA1(new_nonce ‖ 0x01 ‖ auth_key_aux_hash)[4:20], auth_key_aux_hash = SHA1(auth_key)[0:8].
   */
  private setClientDhParams(request: TlObject): KeyExchangeStep {
    const state = this.state
    if (state?.stage !== 'dh-sent') throw new MtprotoError('set_client_DH_params without a preceding req_DH_params')
    this.checkNonces(request, state)
    const encrypted = request.encrypted_data as Buffer
    if (encrypted.length === 0 || encrypted.length % 16 !== 0) throw new MtprotoError('client DH data is not whole AES blocks')
    const plain = aesIgeDecrypt(state.tmp.key, state.tmp.iv, encrypted)
    const reader = new TlReader(plain, 20)
    let inner: TlObject
    try {
      inner = readObject(mtpSchema(), reader)
    } catch {
      throw new MtprotoError('client DH data does not decode')
    }
    if (!sha1(plain.subarray(20, reader.pos)).equals(plain.subarray(0, 20))) {
      throw new MtprotoError('client DH data hash mismatch')
    }
    if (inner._ !== 'client_DH_inner_data') throw new MtprotoError(`unexpected ${inner._} in set_client_DH_params`)
    this.checkNonces(inner, state)

    const gB = bigIntFromBytes(inner.g_b as Buffer)
    if (!isSafeDhValue(gB)) throw new MtprotoError('g_b outside the safe range')
    const key = bigIntToBytes(modPow(gB, state.a, DH_PRIME), 256)
    const auxHash = sha1(key).subarray(0, 8)
    const id = authKeyIdOf(key)

    // Some clients (mtcute 0.30.3) drop a leading zero byte of the key and so compute another key
    // id; a key id already in use cannot be accepted either. Both are asked to retry with a new g_b:
    // dh_gen_retry#46dc1fb9 nonce server_nonce new_nonce_hash2:int128. Such a client checks
    // new_nonce_hash2 against the key it computed, so the hash is made from the key as it sees it
    // (its leading zero bytes dropped); otherwise it would refuse the retry and start over.
    if (key[0] === 0 || this.deps.isKeyIdTaken?.(id)) {
      const seen = key.subarray(key.findIndex((byte) => byte !== 0))
      return {
        reply: {
          _: 'dh_gen_retry',
          nonce: state.nonce,
          server_nonce: state.serverNonce,
          new_nonce_hash2: newNonceHash(state.newNonce, 2, sha1(seen).subarray(0, 8)),
        },
      }
    }

    this.state = undefined
    const firstSalt = Buffer.from(state.newNonce.subarray(0, 8).map((b, i) => b ^ state.serverNonce[i]!)).readBigInt64LE(0)
    return {
      reply: {
        _: 'dh_gen_ok',
        nonce: state.nonce,
        server_nonce: state.serverNonce,
        new_nonce_hash1: newNonceHash(state.newNonce, 1, auxHash),
      },
      created: {
        key,
        id,
        firstSalt,
        ...(state.dc === undefined ? {} : { dc: state.dc }),
        ...(state.tempExpiresIn === undefined ? {} : { tempExpiresIn: state.tempExpiresIn }),
      },
    }
  }

  private decryptInnerData(encrypted: Buffer): TlObject {
    const m = rsaDecryptRaw(this.deps.rsaKey, encrypted)
    if (!m) throw new MtprotoError('req_DH_params data is not an RSA ciphertext for this key')
    const schema = mtpSchema()
    const measure = (body: Buffer) => {
      const r = new TlReader(body)
      readObject(schema, r)
      return r.pos
    }
    const data = unwrapRsaPad(m) ?? unwrapRsaLegacy(m, measure)
    if (!data) throw new MtprotoError('req_DH_params data fits neither RSA_PAD nor the legacy scheme')
    try {
      return readObject(schema, new TlReader(data))
    } catch {
      throw new MtprotoError('p_q_inner_data does not decode')
    }
  }

  private checkNonces(obj: TlObject, state: { nonce: Buffer; serverNonce: Buffer }): void {
    if (!state.nonce.equals(int128(obj.nonce, 'nonce'))) throw new MtprotoError('nonce mismatch')
    if (!state.serverNonce.equals(int128(obj.server_nonce, 'server_nonce'))) throw new MtprotoError('server_nonce mismatch')
  }
}

function newNonceHash(newNonce: Buffer, marker: 1 | 2 | 3, auxHash: Buffer): Buffer {
  return sha1(newNonce, Buffer.from([marker]), auxHash).subarray(4, 20)
}

function int128(value: unknown, field: string): Buffer {
  if (!(value instanceof Uint8Array) || value.length !== 16) throw new MtprotoError(`${field} is not an int128`)
  return Buffer.from(value)
}

function int256(value: unknown): Buffer {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw new MtprotoError('new_nonce is not an int256')
  return Buffer.from(value)
}
