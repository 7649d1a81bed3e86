import { RpcError } from '../rpc/rpc-error.ts'
import { hashString, mix32, Prng } from './prng.ts'

/**
 * Login codes sent by auth.sendCode and auth.resendCode, each bound to (phone, phone_code_hash,
 * the auth key that asked). Delivery goes app → SMS → call, as Telegram announces it in
 * auth.sentCode.next_type; a resend past the last way is 406 SEND_CODE_UNAVAILABLE
 * (core.telegram.org/method/auth.resendCode).
 */
export const CODE_DELIVERIES = ['app', 'sms', 'call'] as const
export type CodeDelivery = (typeof CODE_DELIVERIES)[number]

export interface PendingCode {
  phone: string
  hash: string
  authKeyId: bigint
  code: string
  expiresAt: number
  /** Index into CODE_DELIVERIES: how this code was sent. */
  delivery: number
}

export interface SentCode {
  phoneCodeHash: string
  codeLength: number
  delivery: CodeDelivery
  /** How a resend would deliver it; absent after the last way. */
  nextDelivery: CodeDelivery | undefined
}

export interface PendingCodeJson {
  phone: string
  hash: string
  authKeyId: string
  code: string
  expiresAt: number
  delivery?: number
}

export class LoginCodes {
  private readonly pending = new Map<string, PendingCode>()
  private readonly lastCodes = new Map<string, string>()
  counter = 0

  private readonly seed: number
  private readonly code: string
  private readonly ttlMs: number
  private readonly clock: () => number

  constructor(
    seed: number,
    code: string,
    ttlMs: number,
    clock: () => number,
  ) {
    this.seed = seed
    this.code = code
    this.ttlMs = ttlMs
    this.clock = clock
  }

  /** A new code for `phone` on `authKeyId`, replacing that key's earlier one. */
  send(phone: string, authKeyId: bigint): SentCode {
    for (const [hash, p] of this.pending) if (p.phone === phone && p.authKeyId === authKeyId) this.pending.delete(hash)
    return this.issue(phone, authKeyId, 0)
  }

  /** auth.resendCode: the same code by the next way, under a new phone_code_hash. */
  resend(phone: string, hash: string, authKeyId: bigint): SentCode {
    if (!hash) throw new RpcError(400, 'PHONE_CODE_HASH_EMPTY')
    const earlier = this.live(phone, hash, authKeyId)
    const delivery = earlier.delivery + 1
    if (delivery >= CODE_DELIVERIES.length) throw new RpcError(406, 'SEND_CODE_UNAVAILABLE')
    this.pending.delete(hash)
    return this.issue(phone, authKeyId, delivery)
  }

  /** auth.signIn's check: the code is consumed when right; PHONE_CODE_EXPIRED on another key. */
  take(phone: string, hash: string, code: string, authKeyId: bigint): void {
    if (!hash) throw new RpcError(400, 'PHONE_CODE_HASH_EMPTY')
    if (!code) throw new RpcError(400, 'PHONE_CODE_EMPTY')
    const pending = this.live(phone, hash, authKeyId)
    if (code !== pending.code) throw new RpcError(400, 'PHONE_CODE_INVALID')
    this.pending.delete(hash)
  }

  lastCode(phone: string): string | undefined {
    return this.lastCodes.get(phone)
  }

  toJSON(): PendingCodeJson[] {
    return [...this.pending.values()].map((p) => ({ ...p, authKeyId: p.authKeyId.toString() }))
  }

  restore(entries: readonly PendingCodeJson[]): void {
    for (const p of entries) this.pending.set(p.hash, { ...p, authKeyId: BigInt(p.authKeyId), delivery: p.delivery ?? 0 })
  }

  private live(phone: string, hash: string, authKeyId: bigint): PendingCode {
    const pending = this.pending.get(hash)
    if (!pending || pending.phone !== phone || pending.authKeyId !== authKeyId) throw new RpcError(400, 'PHONE_CODE_EXPIRED')
    if (this.clock() >= pending.expiresAt) {
      this.pending.delete(hash)
      throw new RpcError(400, 'PHONE_CODE_EXPIRED')
    }
    return pending
  }

  private issue(phone: string, authKeyId: bigint, delivery: number): SentCode {
    this.counter++
    const hash = new Prng(mix32(this.seed, 0xc0de, hashString(phone), this.counter)).hex(18)
    this.lastCodes.set(phone, this.code)
    this.pending.set(hash, { phone, hash, authKeyId, code: this.code, expiresAt: this.clock() + this.ttlMs, delivery })
    return {
      phoneCodeHash: hash,
      codeLength: this.code.length,
      delivery: CODE_DELIVERIES[delivery]!,
      nextDelivery: CODE_DELIVERIES[delivery + 1],
    }
  }
}
