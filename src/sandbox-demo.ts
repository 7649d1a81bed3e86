/**
 * The sandbox's demo numbers (README, "The sandbox in one minute"), in one place for the sandbox
 * that sets them up, the banner that shows them and the README that lists them. Pure: the
 * banner reads them without loading the emulator.
 */

/** The demo account: signs in with the code, and accepts every QR login code 3 seconds after it is issued. */
export const SANDBOX_DEMO_PHONE = '+1234567890'
export const SANDBOX_QR_ACCEPT_MS = 3_000

/** An account with two-step verification: the code, then this password. */
export const SANDBOX_TWO_STEP = { phone: '+15550000222', password: 'sandbox-password', hint: 'sandbox-…' } as const

/** Numbers that show Telegram's refusals: one with no account, one that must set up a login e-mail. */
export const SANDBOX_UNREGISTERED_PHONE = '+15550000404'
export const SANDBOX_EMAIL_SETUP_PHONE = '+15550000403'
