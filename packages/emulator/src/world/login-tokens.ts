import { RpcError } from '../rpc/rpc-error.ts'
import type { Prng } from './prng.ts'

/**
 * QR login tokens (core.telegram.org/api/qr-login). A waiting client's auth.exportLoginToken
 * issues a token bound to its DC and auth key, valid for 30 s; the same key gets the same token
 * until it expires. A signed-in device accepts it (auth.acceptLoginToken; here `accept`, the
 * module API), which wakes the waiting key (updateLoginToken). The next exportLoginToken then
 * answers success when the account lives on the waiting key's DC, or auth.loginTokenMigrateTo
 * with a token for the home DC, where auth.importLoginToken completes it.
 *
 * Auto-accept (the sandbox's demo): a token counts as accepted by a given account once
 * `afterMs` have passed on the clock since it was issued.
 */
export const LOGIN_TOKEN_TTL_MS = 30_000

export interface LoginTokenRecord {
  token: Buffer
  dcId: number
  authKeyId: bigint
  issuedAt: number
  expiresAt: number
  acceptedBy?: number
}

export type LoginTokenState =
  | { kind: 'waiting'; token: Buffer; expires: number }
  | { kind: 'accepted'; userId: number; record: LoginTokenRecord }

export interface LoginTokenOptions {
  clock: () => number
  prng: Prng
  /** Accept every token for this user after `afterMs`. */
  autoAccept?: { userId: () => number; afterMs: number } | undefined
}

export class LoginTokens {
  private readonly tokens = new Map<string, LoginTokenRecord>()
  private readonly acceptedListeners = new Set<(record: LoginTokenRecord) => void>()
  private readonly issuedListeners = new Set<(record: LoginTokenRecord) => void>()

  private readonly options: LoginTokenOptions

  constructor(options: LoginTokenOptions) {
    this.options = options
  }

  /** auth.exportLoginToken on `dcId` by `authKeyId`: its live token (a fresh one after expiry), or the acceptance. */
  export(dcId: number, authKeyId: bigint): LoginTokenState {
    const now = this.options.clock()
    for (const [hex, record] of this.tokens) {
      if (record.dcId !== dcId || record.authKeyId !== authKeyId) continue
      this.settle(record)
      if (record.acceptedBy !== undefined) {
        this.tokens.delete(hex)
        return { kind: 'accepted', userId: record.acceptedBy, record }
      }
      if (record.expiresAt <= now) this.tokens.delete(hex)
      else return { kind: 'waiting', token: record.token, expires: seconds(record.expiresAt) }
    }
    const record = this.issue(dcId, authKeyId)
    for (const listener of this.issuedListeners) listener(record)
    return { kind: 'waiting', token: record.token, expires: seconds(record.expiresAt) }
  }

  /** A token for the accepted account's home DC, to be imported there (auth.loginTokenMigrateTo). */
  migrationToken(userId: number, toDc: number): Buffer {
    const record = this.issue(toDc, 0n)
    record.acceptedBy = userId
    return record.token
  }

  /** auth.importLoginToken on `dcId`: an accepted token issued for this DC signs the key in. */
  import(token: Buffer, dcId: number): LoginTokenState {
    const hex = token.toString('hex')
    const record = this.tokens.get(hex)
    if (!record) throw new RpcError(400, 'AUTH_TOKEN_INVALID')
    if (record.expiresAt <= this.options.clock()) {
      this.tokens.delete(hex)
      throw new RpcError(400, 'AUTH_TOKEN_EXPIRED')
    }
    this.settle(record)
    if (record.acceptedBy === undefined) return { kind: 'waiting', token: record.token, expires: seconds(record.expiresAt) }
    if (record.dcId !== dcId) throw new RpcError(400, 'AUTH_TOKEN_INVALID')
    this.tokens.delete(hex)
    return { kind: 'accepted', userId: record.acceptedBy, record }
  }

  /** What the phone app does on scanning: the token's key will be signed in as `userId`. */
  accept(token: Buffer, userId: number): LoginTokenRecord {
    const record = this.tokens.get(token.toString('hex'))
    if (!record || record.expiresAt <= this.options.clock()) throw new RpcError(400, 'AUTH_TOKEN_EXPIRED')
    if (record.acceptedBy !== undefined) throw new RpcError(400, 'AUTH_TOKEN_ALREADY_ACCEPTED')
    record.acceptedBy = userId
    for (const listener of this.acceptedListeners) listener(record)
    return record
  }

  /** Applies auto-accept to a token whose time has come; true when it is (now) accepted. */
  settle(record: LoginTokenRecord): boolean {
    const auto = this.options.autoAccept
    if (record.acceptedBy === undefined && auto && this.options.clock() >= record.issuedAt + auto.afterMs && record.expiresAt > this.options.clock()) {
      record.acceptedBy = auto.userId()
      for (const listener of this.acceptedListeners) listener(record)
    }
    return record.acceptedBy !== undefined
  }

  /** Calls `listener` when a waiting key's token is accepted (to push updateLoginToken). */
  onAccepted(listener: (record: LoginTokenRecord) => void): () => void {
    this.acceptedListeners.add(listener)
    return () => this.acceptedListeners.delete(listener)
  }

  /** Calls `listener` for every token issued to a waiting key. */
  onIssued(listener: (record: LoginTokenRecord) => void): () => void {
    this.issuedListeners.add(listener)
    return () => this.issuedListeners.delete(listener)
  }

  get autoAcceptAfterMs(): number | undefined {
    return this.options.autoAccept?.afterMs
  }

  private issue(dcId: number, authKeyId: bigint): LoginTokenRecord {
    const now = this.options.clock()
    const record: LoginTokenRecord = { token: this.options.prng.bytes(32), dcId, authKeyId, issuedAt: now, expiresAt: now + LOGIN_TOKEN_TTL_MS }
    this.tokens.set(record.token.toString('hex'), record)
    return record
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000)
}
