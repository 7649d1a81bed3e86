/**
 * `npm run sign-in`: the sign-in of docs/spec.md §3 on a terminal, for servers where nobody will call
 * `POST /sign_in`. It reads the same configuration as the service, holds the session's lease
 * while it runs (so it refuses to start while the service is running on the same store), drives
 * the same gateway — in sandbox mode against the same built-in emulator — and leaves the session
 * in the configured store, where the service finds it at its next start.
 *
 * It asks for the phone number, the login code and, when the account has two-step
 * verification, the password (not echoed on a terminal). A wrong code or password may be
 * entered again; every outcome is one line. With `--qr` it draws a QR code to scan with a
 * Telegram app instead, redrawn when the code is renewed, and waits for the scan (then the
 * password, if any). Exit codes: 0 signed in (or already was), 1 failed, 130 interrupted.
 */
import { parseArgs } from 'node:util'
import QRCode from 'qrcode'
import { EXIT_FAILED, exitWith, holdSession, openTelegram, start } from './startup.ts'
import { AppError } from './errors.ts'
import type { Sandbox } from './sandbox.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'
import type { QrSignInOutcome, SignInOutcome } from './connector.ts'
import { TelegramGateway } from './telegram/gateway.ts'
import { PromptClosedError, TerminalPrompt } from './terminal-prompt.ts'

/** Wrong codes or passwords accepted before giving up (Telegram limits attempts too). */
const ATTEMPTS = 3

const EXIT_INTERRUPTED = 130
/** How often a waiting QR sign-in asks Telegram whether the code was scanned. */
const QR_POLL_MS = 1_000

async function main(): Promise<number> {
  let qr: boolean
  try {
    qr = parseArgs({ options: { qr: { type: 'boolean' } }, strict: true }).values.qr === true
  } catch (err) {
    exitWith('sign-in', `${(err as Error).message}; usage: npm run sign-in [-- --qr]`)
  }
  const startup = await start('sign-in', 'terminal')
  const { config, logger, store } = startup
  // Not waiting: a running service holds the lease, and it must be stopped first.
  const held = await holdSession(startup)
  const { lease, sessions } = held

  let sandbox: Sandbox | undefined
  let gateway: TelegramGateway | undefined
  const prompt = new TerminalPrompt(process.stdin, process.stdout)
  try {
    const target = await openTelegram(startup, held)
    const telegram = target.telegram
    sandbox = target.sandbox
    if (sandbox) {
      prompt.say(
        qr
          ? 'Sandbox mode (no API_ID): signing in to the built-in emulator; its demo account accepts the QR code after 3 seconds.'
          : `Sandbox mode (no API_ID): signing in to the built-in emulator; any phone number, code ${sandbox.code}.`,
      )
    }
    try {
      gateway = await TelegramGateway.open({ store: sessions, sessionKey: config.sessionEncryptionKey, telegram, log: logger })
    } catch (err) {
      if (err instanceof SessionStoreError) throw new CliError(`cannot read the session from ${store.describe()}: ${err.message}`)
      throw err
    }
    if (gateway.authorized) {
      prompt.say(`Already signed in: the session in ${store.describe()} is signed in. Nothing to do.`)
      return 0
    }
    await (qr ? converseByQr(gateway, prompt) : converse(gateway, prompt))
    await gateway.close()
    prompt.say(`Signed in. The session is saved in ${store.describe()}; start the service with the same SESSION_URL.`)
    return 0
  } catch (err) {
    if (err instanceof PromptClosedError) {
      process.stderr.write('sign-in: cancelled; not signed in\n')
      return EXIT_INTERRUPTED
    }
    if (err instanceof CliError) process.stderr.write(`sign-in: ${err.message}\n`)
    else if (err instanceof AppError && err.code === 'FLOOD_WAIT') process.stderr.write(`sign-in: ${floodWaitLine(err.retryAfter ?? 1)}\n`)
    else if (err instanceof AppError) process.stderr.write(`sign-in: failed: ${err.detail} (${err.code})\n`)
    else if (err instanceof SessionStoreError) process.stderr.write(`sign-in: ${err.message}\n`)
    else process.stderr.write(`sign-in: failed: ${(err as Error).message}\n`)
    return EXIT_FAILED
  } finally {
    prompt.close()
    await gateway?.close().catch((err: unknown) => {
      process.stderr.write(`sign-in: could not save the session: ${(err as Error).message}\n`)
    })
    await sandbox?.stop()
    await lease.release()
  }
}

/** Telegram limits how often an account may sign in (or ask for codes): say how long, and until when. */
function floodWaitLine(seconds: number): string {
  const until = new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  return `Telegram asks to wait ${seconds} seconds before the next try (until ${until}); not signed in. Run npm run sign-in again then.`
}

/** A failure whose message is already the line to print. */
class CliError extends Error {}

/** The steps of docs/spec.md §3, each retried on the answer Telegram calls wrong. */
async function converse(gateway: TelegramGateway, prompt: TerminalPrompt): Promise<void> {
  let phone = ''
  let outcome: SignInOutcome | undefined
  for (let attempt = 1; outcome === undefined; attempt++) {
    phone = await prompt.ask('Phone number (international format, e.g. +1 234 567 8900): ')
    outcome = await retryOn('PHONE_NUMBER_INVALID', attempt, prompt, 'That phone number is not valid.', () => gateway.signIn({ phone }))
  }
  if (outcome.done) return
  if (outcome.next === 'code') {
    prompt.say('Telegram has sent a login code (to the Telegram app, or by SMS).')
    outcome = undefined
    for (let attempt = 1; outcome === undefined; attempt++) {
      const code = await prompt.ask('Login code: ')
      outcome = await retryOn('PHONE_CODE_INVALID', attempt, prompt, 'That code is not right.', () => gateway.signIn({ phone, code }))
    }
    if (outcome.done) return
  }
  if (outcome.next !== 'two_factor_password') throw new CliError(`Telegram asked for an unexpected step (${outcome.next}); not signed in`)
  await askPassword(gateway, prompt, phone, outcome.hint)
}

/** --qr: draw the code, poll until it is scanned (drawing each renewed code), then the password if any. */
async function converseByQr(gateway: TelegramGateway, prompt: TerminalPrompt): Promise<void> {
  let shown: string | undefined
  for (;;) {
    const outcome: QrSignInOutcome = await gateway.signInQr()
    if (outcome.done) return
    if (outcome.next === 'two_factor_password') return askPassword(gateway, prompt, undefined, outcome.hint)
    if (outcome.url !== shown) {
      shown = outcome.url
      prompt.say(await QRCode.toString(outcome.url, { type: 'terminal', small: true }))
      prompt.say('Scan this QR code with a Telegram app where the account is signed in: Settings → Devices → Link Desktop Device.')
      prompt.say(`It is valid until ${new Date(outcome.expires * 1000).toISOString()}; a new one is drawn then. Waiting for the scan…`)
    }
    await new Promise((resolve) => setTimeout(resolve, QR_POLL_MS))
  }
}

async function askPassword(gateway: TelegramGateway, prompt: TerminalPrompt, phone: string | undefined, hint: string | null): Promise<void> {
  const shownHint = hint ? ` (hint: ${hint})` : ''
  prompt.say('This account has two-step verification.')
  let outcome: SignInOutcome | undefined
  for (let attempt = 1; outcome === undefined; attempt++) {
    const twoFactorPassword = await prompt.ask(`Two-step verification password${shownHint}: `, { hidden: true })
    outcome = await retryOn('PASSWORD_HASH_INVALID', attempt, prompt, 'That password is wrong.', () => gateway.signIn({ phone, twoFactorPassword }))
  }
  if (!outcome.done) throw new CliError(`Telegram asked for an unexpected step (${outcome.next}); not signed in`)
}

/** Runs one step; `undefined` means "ask again" after an answer Telegram called wrong. */
async function retryOn(code: string, attempt: number, prompt: TerminalPrompt, why: string, step: () => Promise<SignInOutcome>): Promise<SignInOutcome | undefined> {
  try {
    return await step()
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== code) throw err
    if (attempt >= ATTEMPTS) throw new CliError(`${why} Gave up after ${ATTEMPTS} attempts; not signed in`)
    prompt.say(`${why} Try again.`)
    return undefined
  }
}

process.exit(await main())
