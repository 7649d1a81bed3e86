import { RpcError } from '../rpc/rpc-error.ts'
import type { Prng } from './prng.ts'
import { srpCheck, srpServerB, srpVerifier, type SrpAlgo } from './srp.ts'

/**
 * Two-step verification (core.telegram.org/api/srp): an account's stored password (salts and
 * verifier, never the password) and the one-shot SRP challenges of account.getPassword that
 * auth.checkPassword answers.
 */
export interface PasswordRecord {
  salt1: Buffer
  salt2: Buffer
  verifier: Buffer
  hint: string
}

export interface PasswordJson {
  salt1: string
  salt2: string
  verifier: string
  hint: string
}

/** The challenge account.password carries. */
export interface PasswordChallenge {
  hasPassword: boolean
  algo?: SrpAlgo
  srpB?: Buffer
  srpId?: bigint
  hint?: string
  newSalt1: Buffer
  newSalt2: Buffer
  secureRandom: Buffer
}

export function makePasswordRecord(prng: Prng, password: string, hint?: string): PasswordRecord {
  const salt1 = prng.bytes(40)
  const salt2 = prng.bytes(16)
  return { salt1, salt2, verifier: srpVerifier(password, { salt1, salt2 }), hint: hint ?? '' }
}

export function passwordToJson(record: PasswordRecord): PasswordJson {
  return { salt1: record.salt1.toString('hex'), salt2: record.salt2.toString('hex'), verifier: record.verifier.toString('hex'), hint: record.hint }
}

export function passwordFromJson(json: PasswordJson): PasswordRecord {
  return { salt1: Buffer.from(json.salt1, 'hex'), salt2: Buffer.from(json.salt2, 'hex'), verifier: Buffer.from(json.verifier, 'hex'), hint: json.hint }
}

export class SrpChallenges {
  private readonly sessions = new Map<bigint, { b: Buffer; userId: number }>()

  private readonly prng: Prng

  constructor(prng: Prng) {
    this.prng = prng
  }

  /** account.getPassword for `userId`, whose password is `password` (none: has_password false). */
  issue(userId: number, password: PasswordRecord | undefined): PasswordChallenge {
    // new_algo.salt1 is 8 bytes: clients append 32 random bytes of their own when setting a password.
    const newSalt1 = this.prng.bytes(8)
    const newSalt2 = password?.salt2 ?? this.prng.bytes(16)
    const secureRandom = this.prng.bytes(32)
    if (!password) return { hasPassword: false, newSalt1, newSalt2, secureRandom }
    const srpId = this.prng.int64()
    const b = this.prng.bytes(256)
    this.sessions.set(srpId, { b, userId })
    return {
      hasPassword: true,
      algo: { salt1: password.salt1, salt2: password.salt2 },
      srpB: srpServerB(password.verifier, b),
      srpId,
      hint: password.hint || undefined,
      newSalt1,
      newSalt2,
      secureRandom,
    }
  }

  /** auth.checkPassword: throws unless (A, M1) proves `password` for the challenge `srpId` of `userId`. */
  check(userId: number, password: PasswordRecord | undefined, srpId: bigint, A: Buffer, M1: Buffer): void {
    const session = this.sessions.get(srpId)
    if (!session || session.userId !== userId) throw new RpcError(400, 'SRP_ID_INVALID')
    if (!password) throw new RpcError(400, 'PASSWORD_HASH_INVALID')
    if (!srpCheck({ algo: password, verifier: password.verifier, b: session.b, A, M1 })) {
      throw new RpcError(400, 'PASSWORD_HASH_INVALID')
    }
    // Each challenge answers once.
    this.sessions.delete(srpId)
  }
}
