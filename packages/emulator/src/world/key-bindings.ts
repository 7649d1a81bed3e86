/**
 * Which auth key is signed in as whom, and where: each key bound to one user on one DC (or
 * awaiting the two-step password after a code or a QR token), as Telegram keeps authorizations
 * per key and DC (core.telegram.org/api/datacenter).
 */
import { DEFAULT_DC_ID } from './phone-directory.ts'

/** A key signed in as a user on one DC; `imported` through auth.importAuthorization. */
export interface Binding {
  userId: number
  dcId: number
  imported: boolean
}

/** The JSON form (key ids as strings); dcId absent: DC 2 (state written before there were five DCs). */
export interface KeyBindingsState {
  bindings: { authKeyId: string; userId: number; dcId?: number; imported?: boolean }[]
  awaitingPassword: { authKeyId: string; userId: number; dcId?: number }[]
}

export class KeyBindings {
  readonly #bound = new Map<bigint, Binding>()
  readonly #awaitingPassword = new Map<bigint, { userId: number; dcId: number }>()

  bind(authKeyId: bigint, binding: Binding): void {
    this.#awaitingPassword.delete(authKeyId)
    this.#bound.set(authKeyId, binding)
  }

  /** The key proved the code (or the QR token) of an account with a two-step password: auth.checkPassword comes next. */
  awaitPassword(authKeyId: bigint, userId: number, dcId: number): void {
    this.#awaitingPassword.set(authKeyId, { userId, dcId })
  }

  awaitingPassword(authKeyId: bigint): { userId: number; dcId: number } | undefined {
    return this.#awaitingPassword.get(authKeyId)
  }

  get(authKeyId: bigint): Readonly<Binding> | undefined {
    return this.#bound.get(authKeyId)
  }

  /** auth.logOut: the key is no longer signed in, nor awaiting a password. */
  forget(authKeyId: bigint): void {
    this.#bound.delete(authKeyId)
    this.#awaitingPassword.delete(authKeyId)
  }

  /** The users signed in with at least one key. */
  users(): Set<number> {
    return new Set([...this.#bound.values()].map((binding) => binding.userId))
  }

  /** Every key signed in as `userId`, with its DC. */
  keysOf(userId: number): { authKeyId: bigint; dcId: number }[] {
    return [...this.#bound].filter(([, b]) => b.userId === userId).map(([authKeyId, b]) => ({ authKeyId, dcId: b.dcId }))
  }

  toJSON(): KeyBindingsState {
    return {
      bindings: [...this.#bound].map(([k, b]) => ({ authKeyId: k.toString(), ...b })),
      awaitingPassword: [...this.#awaitingPassword].map(([k, a]) => ({ authKeyId: k.toString(), ...a })),
    }
  }

  restore(state: KeyBindingsState): void {
    for (const b of state.bindings) {
      this.#bound.set(BigInt(b.authKeyId), { userId: b.userId, dcId: b.dcId ?? DEFAULT_DC_ID, imported: b.imported ?? false })
    }
    for (const a of state.awaitingPassword) this.#awaitingPassword.set(BigInt(a.authKeyId), { userId: a.userId, dcId: a.dcId ?? DEFAULT_DC_ID })
  }
}
