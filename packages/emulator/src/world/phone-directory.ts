/**
 * What the emulator's Telegram knows about a phone number before anyone signs in with it: the
 * data centre its account lives on, and whether Telegram would refuse it a plain code sign-in.
 *
 * Home DC rule (documented in docs/emulator.md): a number of the form 99966XYYYY with X in
 * 1–5 lives on DC X — Telegram's own scheme for test numbers (core.telegram.org/api/auth,
 * "Test accounts"); every other number lives on the default DC (2). `setHomeDc` overrides the
 * rule per number. Marks: `unregistered` (no account: auth.signIn answers
 * auth.authorizationSignUpRequired) and `emailSetupRequired` (auth.sendCode answers
 * auth.sentCodeTypeSetUpEmailRequired, as Telegram does for numbers that must add a login
 * e-mail first).
 */
export const DC_IDS = [1, 2, 3, 4, 5] as const
export const DEFAULT_DC_ID = 2

export interface PhoneDirectoryState {
  homeDcs: Record<string, number>
  unregistered: string[]
  emailSetupRequired: string[]
}

/** 99966XYYYY → X (1–5); otherwise the default DC. `phone` is digits only. */
export function homeDcByNumber(phone: string): number {
  const match = /^99966([1-5])\d{4}$/.exec(phone)
  return match ? Number(match[1]) : DEFAULT_DC_ID
}

export function isDcId(value: number): boolean {
  return (DC_IDS as readonly number[]).includes(value)
}

/** Keys are normalized phones (digits only); callers normalize first. */
export class PhoneDirectory {
  private readonly homeDcs = new Map<string, number>()
  private readonly unregistered = new Set<string>()
  private readonly emailSetupRequired = new Set<string>()

  homeDc(phone: string): number {
    return this.homeDcs.get(phone) ?? homeDcByNumber(phone)
  }

  setHomeDc(phone: string, dcId: number): void {
    if (!isDcId(dcId)) throw new RangeError(`DC ${dcId} does not exist (DCs are 1–5)`)
    this.homeDcs.set(phone, dcId)
  }

  isUnregistered(phone: string): boolean {
    return this.unregistered.has(phone)
  }

  setUnregistered(phone: string, value = true): void {
    if (value) this.unregistered.add(phone)
    else this.unregistered.delete(phone)
  }

  needsEmailSetup(phone: string): boolean {
    return this.emailSetupRequired.has(phone)
  }

  setEmailSetupRequired(phone: string, value = true): void {
    if (value) this.emailSetupRequired.add(phone)
    else this.emailSetupRequired.delete(phone)
  }

  toJSON(): PhoneDirectoryState {
    return {
      homeDcs: Object.fromEntries(this.homeDcs),
      unregistered: [...this.unregistered],
      emailSetupRequired: [...this.emailSetupRequired],
    }
  }

  static fromJSON(state: PhoneDirectoryState | undefined): PhoneDirectory {
    const directory = new PhoneDirectory()
    if (!state) return directory
    for (const [phone, dcId] of Object.entries(state.homeDcs ?? {})) directory.setHomeDc(phone, dcId)
    for (const phone of state.unregistered ?? []) directory.unregistered.add(phone)
    for (const phone of state.emailSetupRequired ?? []) directory.emailSetupRequired.add(phone)
    return directory
  }
}
