import { RpcError } from '../rpc/rpc-error.ts'
import { AuthorizationTransfers } from './authorization-transfers.ts'
import { KeyBindings, type Binding, type KeyBindingsState } from './key-bindings.ts'
import { LoginCodes, type PendingCodeJson, type SentCode } from './login-codes.ts'
import { LoginTokens } from './login-tokens.ts'
import { Memberships, type MembershipState } from './memberships.ts'
import { DEFAULT_DC_ID, PhoneDirectory, type PhoneDirectoryState } from './phone-directory.ts'
import { mix32, Prng } from './prng.ts'
import { makePasswordRecord, passwordFromJson, passwordToJson, SrpChallenges, type PasswordChallenge, type PasswordJson, type PasswordRecord } from './two-step-password.ts'
import type { AccountUser } from './viewer.ts'

/**
 * Who is signed in where: accounts (one per phone, each living on its home DC), auth key →
 * user bindings (each on one DC; world/key-bindings.ts), pending login codes, QR tokens, two-step passwords and channel
 * memberships (world/memberships.ts). Any
 * well-formed phone signs in unless the phone directory marks it; the account is created on its
 * first sign-in. Everything but the transient SRP exchanges, QR tokens and authorization
 * transfers survives `toJSON` / `fromJSON`, so a sandbox restart keeps its logins and its
 * pending sign-ins. Methods take the DC the call arrived on; it defaults to DC 2, the only DC
 * callers that predate the others know.
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
  /** Every QR token is accepted by this phone's account after `afterMs` (the sandbox's demo). */
  qrAutoAccept?: { phone: string; afterMs: number } | undefined
  /** Channels and supergroups one account may be in (default 500, Telegram's without Premium). */
  channelLimit?: number | undefined
}

/** Thrown by `signIn` for a phone with no account: the handler answers auth.authorizationSignUpRequired. */
export class SignUpRequired extends Error {
  constructor() {
    super('sign up required')
    this.name = 'SignUpRequired'
  }
}

/** What a QR token query answers: wait (the token), done (the user), or go to the home DC. */
export type LoginTokenAnswer = { token: Buffer; expires: number } | { user: AccountUser } | { migrateTo: number; token: Buffer }

interface AccountRecord {
  phone: string
  user: AccountUser
  /** null: no password, even when a default exists; undefined: the default applies. */
  password?: PasswordRecord | null
}

/** The JSON form of `Accounts` (bigints and buffers as strings). */
export interface AccountsState extends KeyBindingsState {
  version: 1
  counter: number
  nextUserId: number
  accounts: ({
    phone: string
    userId: number
    accessHash: string
    firstName: string
    lastName: string
    password?: PasswordJson | null
  } & MembershipState)[]
  pendingCodes: PendingCodeJson[]
  phones?: PhoneDirectoryState
}

/** The one password KDF this emulator offers (core.telegram.org/api/srp). */
export const SRP_ALGO_NAME = 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow'

const FIRST_USER_ID = 7_000_000_001

export class Accounts {
  private readonly clock: () => number
  private readonly prng: Prng
  private nextUserId = FIRST_USER_ID
  private readonly byPhone = new Map<string, AccountRecord>()
  private readonly byUserId = new Map<number, AccountRecord>()
  /** Which key is signed in as whom, on which DC. */
  private readonly keys = new KeyBindings()
  private readonly srp: SrpChallenges
  private readonly codes: LoginCodes
  private readonly transfers: AuthorizationTransfers
  private readonly defaultPassword: PasswordRecord | undefined
  /** Home DCs and marks of phone numbers. */
  phones = new PhoneDirectory()
  /** QR login tokens; the emulator listens to them to push updateLoginToken. */
  readonly loginTokens: LoginTokens
  /** Which channels each account is in. */
  readonly memberships: Memberships

  private readonly options: AccountsOptions

  constructor(options: AccountsOptions) {
    this.options = options
    this.clock = options.clock ?? Date.now
    this.prng = new Prng(mix32(options.seed, 0xacc7))
    this.memberships = new Memberships(options.channelLimit)
    this.srp = new SrpChallenges(this.prng)
    this.codes = new LoginCodes(options.seed, options.loginCode ?? '12345', (options.codeTtlSeconds ?? 300) * 1000, this.clock)
    this.transfers = new AuthorizationTransfers(new Prng(mix32(options.seed, 0x7a45)), this.clock)
    const auto = options.qrAutoAccept
    this.loginTokens = new LoginTokens({
      clock: this.clock,
      prng: new Prng(mix32(options.seed, 0x9e10)),
      autoAccept: auto && { afterMs: auto.afterMs, userId: () => this.accountFor(this.normalized(auto.phone)).user.id },
    })
    this.defaultPassword =
      options.twoFactorPassword === undefined ? undefined : makePasswordRecord(this.prng, options.twoFactorPassword, options.passwordHint)
  }

  /** Telegram's phone_number: digits only, 7–15 of them; '+', spaces, dashes and brackets are tolerated. */
  static normalizePhone(phone: string): string | undefined {
    const compact = phone.trim().replace(/[\s\-()]/g, '')
    return /^\+?\d{7,15}$/.test(compact) ? compact.replace(/^\+/, '') : undefined
  }

  /**
   * auth.sendCode on `dcId`: 303 PHONE_MIGRATE_<home> when the account lives elsewhere, else a
   * code bound to (phone, phone_code_hash, the auth key that asked).
   */
  sendCode(phone: string, authKeyId: bigint, dcId = DEFAULT_DC_ID): SentCode & { emailSetupRequired: boolean } {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new RpcError(400, 'PHONE_NUMBER_INVALID')
    this.assertHome(normalized, dcId, 'PHONE_MIGRATE')
    return { ...this.codes.send(normalized, authKeyId), emailSetupRequired: this.phones.needsEmailSetup(normalized) }
  }

  /** auth.resendCode: the pending code again, by the next way. */
  resendCode(phone: string, phoneCodeHash: string, authKeyId: bigint, dcId = DEFAULT_DC_ID): SentCode {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new RpcError(400, 'PHONE_NUMBER_INVALID')
    this.assertHome(normalized, dcId, 'PHONE_MIGRATE')
    return this.codes.resend(normalized, phoneCodeHash, authKeyId)
  }

  /** The code most recently sent to `phone` (tests read it as a user would read the app). */
  lastCode(phone: string): string | undefined {
    const normalized = Accounts.normalizePhone(phone)
    return normalized === undefined ? undefined : this.codes.lastCode(normalized)
  }

  /**
   * auth.signIn. Telegram answers PHONE_CODE_EXPIRED when the code is checked on another auth
   * key than the one it was sent to, and SESSION_PASSWORD_NEEDED (401) when the account has a
   * two-step password, after which only account.getPassword / auth.checkPassword proceed.
   */
  signIn(phone: string, phoneCodeHash: string, code: string, authKeyId: bigint, dcId = DEFAULT_DC_ID): AccountUser {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new RpcError(400, 'PHONE_NUMBER_INVALID')
    this.codes.take(normalized, phoneCodeHash, code, authKeyId)
    this.assertHome(normalized, dcId, 'USER_MIGRATE')
    if (this.phones.isUnregistered(normalized)) throw new SignUpRequired()
    const account = this.accountFor(normalized)
    this.authorize(authKeyId, dcId, account.user.id)
    return account.user
  }

  /**
   * Signs the key in as `userId` on `dcId`, or, for an account with a two-step password, leaves
   * it awaiting auth.checkPassword: 401 SESSION_PASSWORD_NEEDED.
   */
  authorize(authKeyId: bigint, dcId: number, userId: number): AccountUser {
    const account = this.byUserId.get(userId) as AccountRecord
    if (this.passwordOf(account)) {
      this.keys.awaitPassword(authKeyId, userId, dcId)
      throw new RpcError(401, 'SESSION_PASSWORD_NEEDED')
    }
    this.keys.bind(authKeyId, { userId, dcId, imported: false })
    return account.user
  }

  /** account.getPassword: the SRP challenge for the signed-in or password-pending user of this key. */
  passwordChallenge(authKeyId: bigint): PasswordChallenge {
    const userId = this.keys.get(authKeyId)?.userId ?? this.keys.awaitingPassword(authKeyId)?.userId
    if (userId === undefined) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    return this.srp.issue(userId, this.passwordOf(this.byUserId.get(userId) as AccountRecord))
  }

  /** auth.checkPassword with inputCheckPasswordSRP. */
  checkPassword(authKeyId: bigint, srpId: bigint, A: Buffer, M1: Buffer): AccountUser {
    const awaiting = this.keys.awaitingPassword(authKeyId)
    const binding = this.keys.get(authKeyId)
    const userId = awaiting?.userId ?? binding?.userId
    if (userId === undefined) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    const account = this.byUserId.get(userId) as AccountRecord
    this.srp.check(userId, this.passwordOf(account), srpId, A, M1)
    this.keys.bind(authKeyId, binding ?? { userId, dcId: awaiting?.dcId ?? DEFAULT_DC_ID, imported: false })
    return account.user
  }

  /** Sets (or with null removes) the two-step password of the account behind `phone`. */
  setTwoFactorPassword(phone: string, password: string | null, hint?: string): void {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new Error('setTwoFactorPassword: not a phone number')
    const account = this.accountFor(normalized)
    account.password = password === null ? null : makePasswordRecord(this.prng, password, hint)
  }

  /** auth.logOut: the key is no longer signed in. */
  logOut(authKeyId: bigint): void {
    this.keys.forget(authKeyId)
  }

  /** The accounts signed in with at least one key (where channel pushes may go). */
  signedInUsers(): Set<number> {
    return this.keys.users()
  }

  userIdFor(authKeyId: bigint): number | undefined {
    return this.keys.get(authKeyId)?.userId
  }

  /** The user `authKeyId` is signed in as on `dcId` (any DC when absent). */
  userFor(authKeyId: bigint, dcId?: number): AccountUser | undefined {
    const binding = this.keys.get(authKeyId)
    if (binding === undefined || (dcId !== undefined && binding.dcId !== dcId)) return undefined
    return this.byUserId.get(binding.userId)?.user
  }

  /** Every key signed in as `userId`, with its DC (where pushes for the account go). */
  keysOf(userId: number): { authKeyId: bigint; dcId: number }[] {
    return this.keys.keysOf(userId)
  }

  bindingFor(authKeyId: bigint): Readonly<Binding> | undefined {
    return this.keys.get(authKeyId)
  }

  /** The DC the account of `userId` lives on. */
  homeDcOfUser(userId: number): number {
    const account = this.byUserId.get(userId)
    return account ? this.phones.homeDc(account.phone) : DEFAULT_DC_ID
  }

  /** The DC the account behind `phone` lives on (it need not exist yet). */
  homeDc(phone: string): number {
    return this.phones.homeDc(this.normalized(phone))
  }

  setHomeDc(phone: string, dcId: number): void {
    this.phones.setHomeDc(this.normalized(phone), dcId)
  }

  /** Marks a phone as having no account (sign-in answers auth.authorizationSignUpRequired). */
  setUnregistered(phone: string, value = true): void {
    this.phones.setUnregistered(this.normalized(phone), value)
  }

  /** Marks a phone whose code sign-in Telegram refuses until a login e-mail is set up. */
  setEmailSetupRequired(phone: string, value = true): void {
    this.phones.setEmailSetupRequired(this.normalized(phone), value)
  }

  /** auth.exportAuthorization on the key's DC for `toDc`. */
  exportAuthorization(authKeyId: bigint, dcId: number, toDc: number): { id: bigint; bytes: Buffer } {
    const binding = this.keys.get(authKeyId)
    if (!binding || binding.dcId !== dcId) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    if (toDc === dcId || toDc < 1 || toDc > 5) throw new RpcError(400, 'DC_ID_INVALID')
    return this.transfers.export(binding.userId, toDc)
  }

  /** auth.importAuthorization on `dcId`: the key is signed in as the exported user there. */
  importAuthorization(id: bigint, bytes: Buffer, authKeyId: bigint, dcId: number): AccountUser {
    const userId = this.transfers.take(id, bytes, dcId)
    this.keys.bind(authKeyId, { userId, dcId, imported: true })
    return this.byUserId.get(userId)?.user as AccountUser
  }

  userById(userId: number): AccountUser | undefined {
    return this.byUserId.get(userId)?.user
  }

  /** Signs `authKeyId` in as the account behind `phone` directly (fixtures), on its home DC. */
  signInDirectly(phone: string, authKeyId: bigint): AccountUser {
    const normalized = this.normalized(phone)
    const account = this.accountFor(normalized)
    this.keys.bind(authKeyId, { userId: account.user.id, dcId: this.phones.homeDc(normalized), imported: false })
    return account.user
  }

  /** auth.exportLoginToken on `dcId`: the token to show, or, once accepted, success or the way to the home DC. */
  exportLoginToken(authKeyId: bigint, dcId = DEFAULT_DC_ID): LoginTokenAnswer {
    return this.loginAnswer(this.loginTokens.export(dcId, authKeyId), authKeyId, dcId)
  }

  /** What scanning the QR code on a signed-in device does (auth.acceptLoginToken). */
  acceptLoginToken(token: Buffer, phone: string): void {
    this.loginTokens.accept(token, this.accountFor(this.normalized(phone)).user.id)
  }

  /** auth.importLoginToken on `dcId` (after auth.loginTokenMigrateTo, or after updateLoginToken). */
  importLoginToken(token: Buffer, authKeyId: bigint, dcId = DEFAULT_DC_ID): LoginTokenAnswer {
    return this.loginAnswer(this.loginTokens.import(token, dcId), authKeyId, dcId)
  }

  private loginAnswer(state: ReturnType<LoginTokens['export']>, authKeyId: bigint, dcId: number): LoginTokenAnswer {
    if (state.kind === 'waiting') return { token: state.token, expires: state.expires }
    const home = this.homeDcOfUser(state.userId)
    if (home !== dcId) return { migrateTo: home, token: this.loginTokens.migrationToken(state.userId, home) }
    return { user: this.authorize(authKeyId, dcId, state.userId) }
  }

  toJSON(): AccountsState {
    return {
      version: 1,
      counter: this.codes.counter,
      nextUserId: this.nextUserId,
      accounts: [...this.byPhone.values()].map((a) => ({
        phone: a.phone,
        userId: a.user.id,
        accessHash: a.user.accessHash.toString(),
        firstName: a.user.firstName,
        lastName: a.user.lastName,
        password: a.password === undefined ? undefined : a.password === null ? null : passwordToJson(a.password),
        ...this.memberships.toJSON(a.user.id),
      })),
      ...this.keys.toJSON(),
      pendingCodes: this.codes.toJSON(),
      phones: this.phones.toJSON(),
    }
  }

  static fromJSON(state: AccountsState, options: AccountsOptions): Accounts {
    if (state.version !== 1) throw new Error(`accounts state version ${String(state.version)} is not supported`)
    const accounts = new Accounts(options)
    accounts.codes.counter = state.counter
    accounts.nextUserId = state.nextUserId
    for (const a of state.accounts) {
      const record: AccountRecord = {
        phone: a.phone,
        user: { id: a.userId, accessHash: BigInt(a.accessHash), phone: a.phone, firstName: a.firstName, lastName: a.lastName },
        password: a.password === undefined ? undefined : a.password === null ? null : passwordFromJson(a.password),
      }
      accounts.memberships.restore(a.userId, a)
      accounts.byPhone.set(a.phone, record)
      accounts.byUserId.set(a.userId, record)
    }
    accounts.keys.restore(state)
    accounts.codes.restore(state.pendingCodes)
    accounts.phones = PhoneDirectory.fromJSON(state.phones)
    return accounts
  }

  /** 303 <kind>_<home> when `phone`'s account does not live on `dcId` (core.telegram.org/api/datacenter). */
  private assertHome(phone: string, dcId: number, kind: 'PHONE_MIGRATE' | 'USER_MIGRATE'): void {
    const home = this.phones.homeDc(phone)
    if (home !== dcId) throw new RpcError(303, `${kind}_${home}`)
  }

  private normalized(phone: string): string {
    const normalized = Accounts.normalizePhone(phone)
    if (!normalized) throw new Error(`not a phone number: ${phone.length} characters`)
    return normalized
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
    const record: AccountRecord = { phone, user }
    this.byPhone.set(phone, record)
    this.byUserId.set(id, record)
    return record
  }

  private passwordOf(account: AccountRecord): PasswordRecord | undefined {
    if (account.password === null) return undefined
    return account.password ?? this.defaultPassword
  }
}
