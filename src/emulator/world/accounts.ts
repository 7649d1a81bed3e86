import { RpcError } from '../rpc/rpc-error.ts'
import { hashString, mix32, Prng } from './prng.ts'
import { srpCheck, srpServerB, srpVerifier, type SrpAlgo } from './srp.ts'
import type { AccountUser } from './viewer.ts'

/**
 * Who is signed in where: accounts (one per phone), auth key → user bindings, pending login
 * codes and two-step passwords. Any well-formed phone signs in; the account is created on its
 * first sign-in. Everything but the transient SRP exchange survives `toJSON` / `fromJSON`,
 * so a sandbox restart keeps its logins and its pending sign-ins.
 */

export interface AccountsOptions {
  /** Seeds phone_code_hash values, user ids and SRP secrets. */
  seed: number
  /** The code every sign-in accepts (default '12345'). */
  loginCode?: string
  /** How long a sent code stays valid (default 300 s). */
  codeTtlSeconds?: number
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number
  /** A two-step password for every account (per-account ones via setTwoFactorPassword). */
  twoFactorPassword?: string
  passwordHint?: string
}

interface PasswordRecord {
  salt1: Buffer
  salt2: Buffer
  verifier: Buffer
  hint: string
}

interface AccountRecord {
  phone: string
  user: AccountUser
  /** null: no password, even when a default exists; undefined: the default applies. */
  password?: PasswordRecord | null
  joined: Set<number>
}

interface PendingCode {
  phone: string
  hash: string
  authKeyId: bigint
  code: string
  expiresAt: number
}

interface SrpSession {
  srpId: bigint
  b: Buffer
  userId: number
}

interface LoginTokenRecord {
  authKeyId: bigint
  expiresAt: number
  acceptedBy?: number
}

/** The JSON form of `Accounts` (bigints and buffers as strings). */
export interface AccountsState {
  version: 1
  counter: number
  nextUserId: number
  accounts: {
    phone: string
    userId: number
    accessHash: string
    firstName: string
    lastName: string
    password?: { salt1: string; salt2: string; verifier: string; hint: string } | null
    joined: number[]
  }[]
  bindings: { authKeyId: string; userId: number }[]
  awaitingPassword: { authKeyId: string; userId: number }[]
  pendingCodes: { phone: string; hash: string; authKeyId: string; code: string; expiresAt: number }[]
}

/** The one password KDF this emulator offers (core.telegram.org/api/srp). */
export const SRP_ALGO_NAME = 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow'

const FIRST_USER_ID = 7_000_000_001

export class Accounts {
  private readonly loginCode: string
  private readonly codeTtlMs: number
  private readonly clock: () => number
  private readonly prng: Prng
  private counter = 0
  private nextUserId = FIRST_USER_ID
  private readonly byPhone = new Map<string, AccountRecord>()
  private readonly byUserId = new Map<number, AccountRecord>()
  private readonly bindings = new Map<bigint, number>()
  private readonly awaitingPassword = new Map<bigint, number>()
  private readonly pendingCodes = new Map<string, PendingCode>()
  private readonly srpSessions = new Map<bigint, SrpSession>()
  private readonly loginTokens = new Map<string, LoginTokenRecord>()
  private readonly lastCodes = new Map<string, string>()
  private readonly defaultPassword: PasswordRecord | undefined

  constructor(private readonly options: AccountsOptions) {
    this.loginCode = options.loginCode ?? '12345'
    this.codeTtlMs = (options.codeTtlSeconds ?? 300) * 1000
    this.clock = options.clock ?? Date.now
    this.prng = new Prng(mix32(options.seed, 0xacc7))
    this.defaultPassword =
      options.twoFactorPassword === undefined ? undefined : this.passwordRecord(options.twoFactorPassword, options.passwordHint)
  }

  /** Telegram's phone_number: digits only, 7–15 of them; '+', spaces, dashes and brackets are tolerated. */
  static normalizePhone(phone: string): string | undefined {
    const compact = phone.trim().replace(/[\s\-()]/g, '')
    return /^\+?\d{7,15}$/.test(compact) ? compact.replace(/^\+/, '') : undefined
  }

  /** auth.sendCode: a code bound to (phone, phone_code_hash, the auth key that asked). */
  sendCode(phone: string, authKeyId: bigint): { phoneCodeHash: string; codeLength: number } {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new RpcError(400, 'PHONE_NUMBER_INVALID')
    this.counter++
    const hash = new Prng(mix32(this.options.seed, 0xc0de, hashString(normalized), this.counter)).hex(18)
    for (const [key, pending] of this.pendingCodes) if (pending.phone === normalized && pending.authKeyId === authKeyId) this.pendingCodes.delete(key)
    this.lastCodes.set(normalized, this.loginCode)
    this.pendingCodes.set(hash, {
      phone: normalized,
      hash,
      authKeyId,
      code: this.loginCode,
      expiresAt: this.clock() + this.codeTtlMs,
    })
    return { phoneCodeHash: hash, codeLength: this.loginCode.length }
  }

  /** The code most recently sent to `phone` (tests read it as a user would read the app). */
  lastCode(phone: string): string | undefined {
    const normalized = Accounts.normalizePhone(phone)
    return normalized === undefined ? undefined : this.lastCodes.get(normalized)
  }

  /**
   * auth.signIn. Telegram answers PHONE_CODE_EXPIRED when the code is checked on another auth
   * key than the one it was sent to, and SESSION_PASSWORD_NEEDED (401) when the account has a
   * two-step password, after which only account.getPassword / auth.checkPassword proceed.
   */
  signIn(phone: string, phoneCodeHash: string, code: string, authKeyId: bigint): AccountUser {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new RpcError(400, 'PHONE_NUMBER_INVALID')
    if (!phoneCodeHash) throw new RpcError(400, 'PHONE_CODE_HASH_EMPTY')
    if (!code) throw new RpcError(400, 'PHONE_CODE_EMPTY')
    const pending = this.pendingCodes.get(phoneCodeHash)
    if (!pending || pending.phone !== normalized || pending.authKeyId !== authKeyId) {
      throw new RpcError(400, 'PHONE_CODE_EXPIRED')
    }
    if (this.clock() >= pending.expiresAt) {
      this.pendingCodes.delete(phoneCodeHash)
      throw new RpcError(400, 'PHONE_CODE_EXPIRED')
    }
    if (code !== pending.code) throw new RpcError(400, 'PHONE_CODE_INVALID')
    this.pendingCodes.delete(phoneCodeHash)

    const account = this.accountFor(normalized)
    if (this.passwordOf(account)) {
      this.awaitingPassword.set(authKeyId, account.user.id)
      throw new RpcError(401, 'SESSION_PASSWORD_NEEDED')
    }
    this.bind(authKeyId, account.user.id)
    return account.user
  }

  /** account.getPassword: the SRP challenge for the signed-in or password-pending user of this key. */
  passwordChallenge(authKeyId: bigint): {
    hasPassword: boolean
    algo?: SrpAlgo
    srpB?: Buffer
    srpId?: bigint
    hint?: string
    newSalt1: Buffer
    newSalt2: Buffer
    secureRandom: Buffer
  } {
    const userId = this.bindings.get(authKeyId) ?? this.awaitingPassword.get(authKeyId)
    if (userId === undefined) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    const account = this.byUserId.get(userId) as AccountRecord
    const password = this.passwordOf(account)
    // new_algo.salt1 is 8 bytes: clients append 32 random bytes of their own when setting a password.
    const newSalt1 = this.prng.bytes(8)
    const newSalt2 = password?.salt2 ?? this.prng.bytes(16)
    const secureRandom = this.prng.bytes(32)
    if (!password) return { hasPassword: false, newSalt1, newSalt2, secureRandom }
    const srpId = this.prng.int64()
    const b = this.prng.bytes(256)
    this.srpSessions.set(srpId, { srpId, b, userId })
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

  /** auth.checkPassword with inputCheckPasswordSRP. */
  checkPassword(authKeyId: bigint, srpId: bigint, A: Buffer, M1: Buffer): AccountUser {
    const userId = this.awaitingPassword.get(authKeyId) ?? this.bindings.get(authKeyId)
    if (userId === undefined) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    const session = this.srpSessions.get(srpId)
    if (!session || session.userId !== userId) throw new RpcError(400, 'SRP_ID_INVALID')
    const account = this.byUserId.get(userId) as AccountRecord
    const password = this.passwordOf(account)
    if (!password) throw new RpcError(400, 'PASSWORD_HASH_INVALID')
    if (!srpCheck({ algo: password, verifier: password.verifier, b: session.b, A, M1 })) {
      throw new RpcError(400, 'PASSWORD_HASH_INVALID')
    }
    // Each challenge answers once.
    this.srpSessions.delete(srpId)
    this.awaitingPassword.delete(authKeyId)
    this.bind(authKeyId, userId)
    return account.user
  }

  /** Sets (or with null removes) the two-step password of the account behind `phone`. */
  setTwoFactorPassword(phone: string, password: string | null, hint?: string): void {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new Error('setTwoFactorPassword: not a phone number')
    const account = this.accountFor(normalized)
    account.password = password === null ? null : this.passwordRecord(password, hint)
  }

  /** auth.logOut: the key is no longer signed in. */
  logOut(authKeyId: bigint): void {
    this.bindings.delete(authKeyId)
    this.awaitingPassword.delete(authKeyId)
  }

  userIdFor(authKeyId: bigint): number | undefined {
    return this.bindings.get(authKeyId)
  }

  userFor(authKeyId: bigint): AccountUser | undefined {
    const id = this.bindings.get(authKeyId)
    return id === undefined ? undefined : this.byUserId.get(id)?.user
  }

  userById(userId: number): AccountUser | undefined {
    return this.byUserId.get(userId)?.user
  }

  /** Signs `authKeyId` in as the account behind `phone` directly (QR login, fixtures). */
  signInDirectly(phone: string, authKeyId: bigint): AccountUser {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new Error('signInDirectly: not a phone number')
    const account = this.accountFor(normalized)
    this.bind(authKeyId, account.user.id)
    return account.user
  }

  /** Channels joined beyond the world's default memberships. */
  joinedChannels(userId: number): ReadonlySet<number> {
    return this.byUserId.get(userId)?.joined ?? new Set()
  }

  join(userId: number, channelId: number): void {
    this.byUserId.get(userId)?.joined.add(channelId)
  }

  /** auth.exportLoginToken: a fresh token, or success once another device accepted this key's token. */
  exportLoginToken(authKeyId: bigint): { token: Buffer; expires: number } | { user: AccountUser } {
    const now = this.clock()
    for (const [hex, record] of this.loginTokens) {
      if (record.authKeyId !== authKeyId) continue
      if (record.acceptedBy !== undefined) {
        this.loginTokens.delete(hex)
        this.bind(authKeyId, record.acceptedBy)
        return { user: this.byUserId.get(record.acceptedBy)?.user as AccountUser }
      }
      if (record.expiresAt <= now) this.loginTokens.delete(hex)
    }
    const token = this.prng.bytes(32)
    const expiresAt = now + 30_000
    this.loginTokens.set(token.toString('hex'), { authKeyId, expiresAt })
    return { token, expires: Math.floor(expiresAt / 1000) }
  }

  /** What scanning the QR code on a signed-in device does (auth.acceptLoginToken). */
  acceptLoginToken(token: Buffer, phone: string): void {
    const record = this.loginTokens.get(token.toString('hex'))
    if (!record || record.expiresAt <= this.clock()) throw new RpcError(400, 'AUTH_TOKEN_EXPIRED')
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new Error('acceptLoginToken: not a phone number')
    record.acceptedBy = this.accountFor(normalized).user.id
  }

  /** auth.importLoginToken on this single DC: success for an accepted token. */
  importLoginToken(token: Buffer, authKeyId: bigint): { token: Buffer; expires: number } | { user: AccountUser } {
    const hex = token.toString('hex')
    const record = this.loginTokens.get(hex)
    if (!record) throw new RpcError(400, 'AUTH_TOKEN_INVALID')
    if (record.expiresAt <= this.clock()) throw new RpcError(400, 'AUTH_TOKEN_EXPIRED')
    if (record.acceptedBy === undefined) return { token, expires: Math.floor(record.expiresAt / 1000) }
    this.loginTokens.delete(hex)
    this.bind(authKeyId, record.acceptedBy)
    return { user: this.byUserId.get(record.acceptedBy)?.user as AccountUser }
  }

  toJSON(): AccountsState {
    return {
      version: 1,
      counter: this.counter,
      nextUserId: this.nextUserId,
      accounts: [...this.byPhone.values()].map((a) => ({
        phone: a.phone,
        userId: a.user.id,
        accessHash: a.user.accessHash.toString(),
        firstName: a.user.firstName,
        lastName: a.user.lastName,
        password:
          a.password === undefined
            ? undefined
            : a.password === null
              ? null
              : {
                  salt1: a.password.salt1.toString('hex'),
                  salt2: a.password.salt2.toString('hex'),
                  verifier: a.password.verifier.toString('hex'),
                  hint: a.password.hint,
                },
        joined: [...a.joined],
      })),
      bindings: [...this.bindings].map(([k, userId]) => ({ authKeyId: k.toString(), userId })),
      awaitingPassword: [...this.awaitingPassword].map(([k, userId]) => ({ authKeyId: k.toString(), userId })),
      pendingCodes: [...this.pendingCodes.values()].map((p) => ({ ...p, authKeyId: p.authKeyId.toString() })),
    }
  }

  static fromJSON(state: AccountsState, options: AccountsOptions): Accounts {
    if (state.version !== 1) throw new Error(`accounts state version ${String(state.version)} is not supported`)
    const accounts = new Accounts(options)
    accounts.counter = state.counter
    accounts.nextUserId = state.nextUserId
    for (const a of state.accounts) {
      const record: AccountRecord = {
        phone: a.phone,
        user: { id: a.userId, accessHash: BigInt(a.accessHash), phone: a.phone, firstName: a.firstName, lastName: a.lastName },
        password:
          a.password === undefined
            ? undefined
            : a.password === null
              ? null
              : {
                  salt1: Buffer.from(a.password.salt1, 'hex'),
                  salt2: Buffer.from(a.password.salt2, 'hex'),
                  verifier: Buffer.from(a.password.verifier, 'hex'),
                  hint: a.password.hint,
                },
        joined: new Set(a.joined),
      }
      accounts.byPhone.set(a.phone, record)
      accounts.byUserId.set(a.userId, record)
    }
    for (const b of state.bindings) accounts.bindings.set(BigInt(b.authKeyId), b.userId)
    for (const b of state.awaitingPassword) accounts.awaitingPassword.set(BigInt(b.authKeyId), b.userId)
    for (const p of state.pendingCodes) accounts.pendingCodes.set(p.hash, { ...p, authKeyId: BigInt(p.authKeyId) })
    return accounts
  }

  private bind(authKeyId: bigint, userId: number): void {
    this.bindings.set(authKeyId, userId)
  }

  private accountFor(phone: string): AccountRecord {
    const existing = this.byPhone.get(phone)
    if (existing) return existing
    const id = this.nextUserId++
    const user: AccountUser = {
      id,
      accessHash: new Prng(mix32(this.options.seed, 0x05e7, id)).int64(),
      phone,
      firstName: 'Sandbox',
      lastName: `User ${phone.slice(-4)}`,
    }
    const record: AccountRecord = { phone, user, joined: new Set() }
    this.byPhone.set(phone, record)
    this.byUserId.set(id, record)
    return record
  }

  private passwordOf(account: AccountRecord): PasswordRecord | undefined {
    if (account.password === null) return undefined
    return account.password ?? this.defaultPassword
  }

  private passwordRecord(password: string, hint?: string): PasswordRecord {
    const salt1 = this.prng.bytes(40)
    const salt2 = this.prng.bytes(16)
    return { salt1, salt2, verifier: srpVerifier(password, { salt1, salt2 }), hint: hint ?? '' }
  }
}
