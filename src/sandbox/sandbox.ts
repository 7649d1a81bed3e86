/**
 * Sandbox mode (docs/spec.md §2): with no Telegram credentials the service starts the project's own
 * DC emulator on a loopback port and connects to it like to any DC. What the emulator must
 * remember (its key, the auth keys it issued, its accounts) lives beside the session, in the
 * store's `.sandbox` sibling and encrypted like the session, so a restart keeps the login.
 * The demo world lives: a new post every few seconds, channel after channel.
 */
import { errnoOf } from '../core/logger.ts'
import { startEmulator, DEFAULT_LOGIN_CODE, type Emulator, type EmulatorSnapshot, type EmulatorSnapshotV1, startPostSchedule, type PostTimer, demoWorldOptions, TELEGRAM_LIKE_RATES } from '@telegram-connector/emulator'
import type { BlobStore } from '../sessions/blob-store.ts'
import { decryptSession, encryptSession } from '../sessions/session-encryption.ts'
import { SessionStoreError } from '../sessions/session-store-error.ts'
import type { TelegramSettings } from '../telegram/gateway.ts'
import type { TelegramLog } from '../telegram/calls/mtcute-log.ts'
import { SANDBOX_DEMO_PHONE, SANDBOX_EMAIL_SETUP_PHONE, SANDBOX_QR_ACCEPT_MS, SANDBOX_TWO_STEP, SANDBOX_UNREGISTERED_PHONE } from './sandbox-demo.ts'

const SANDBOX_NAME = '.sandbox'
/** mtcute wants credentials; the emulator accepts any. */
const SANDBOX_API_ID = 1
const SANDBOX_API_HASH = 'sandbox'

export { SANDBOX_DEMO_PHONE, SANDBOX_EMAIL_SETUP_PHONE, SANDBOX_QR_ACCEPT_MS, SANDBOX_TWO_STEP, SANDBOX_UNREGISTERED_PHONE } from './sandbox-demo.ts'

export interface SandboxOptions {
  store: BlobStore
  sessionKey?: Buffer | null
  log: TelegramLog
  clock?: () => number
  /** How often the demo world posts a new message (default every 5 s; 0: never). */
  postEveryMs?: number
  timer?: PostTimer
}

/** A newcomer sees the live feed move within seconds. */
const DEMO_POST_EVERY_MS = 5_000

export interface Sandbox {
  readonly telegram: TelegramSettings
  readonly code: string
  readonly emulator: Emulator
  /** Saves the emulator's state, then stops it. */
  stop(): Promise<void>
}

async function readSnapshot(store: BlobStore, key: Buffer | null): Promise<EmulatorSnapshot | EmulatorSnapshotV1 | undefined> {
  const stored = await store.read(SANDBOX_NAME)
  if (stored === null) return undefined
  try {
    return JSON.parse(decryptSession(key, stored).toString('utf8')) as EmulatorSnapshot | EmulatorSnapshotV1
  } catch (err) {
    if (err instanceof SessionStoreError) throw err
    throw new SessionStoreError('SESSION_CORRUPT', `the sandbox state in ${store.describe()}${SANDBOX_NAME} is not readable JSON`, { cause: err })
  }
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { store, log } = options
  const key = options.sessionKey ?? null
  const clock = options.clock ?? Date.now
  const nowSeconds = Math.floor(clock() / 1000)
  const previous = await readSnapshot(store, key)
  // The demo world is rebuilt around the current time on every start: ids and access hashes
  // stay, the week of messages stays recent.
  const snapshot = previous ? { ...previous, world: demoWorldOptions(nowSeconds) } : undefined
  const emulator = await startEmulator({
    world: demoWorldOptions(nowSeconds),
    code: DEFAULT_LOGIN_CODE,
    clock,
    qrAutoAccept: { phone: SANDBOX_DEMO_PHONE, afterMs: SANDBOX_QR_ACCEPT_MS },
    phones: { unregistered: [SANDBOX_UNREGISTERED_PHONE], emailSetupRequired: [SANDBOX_EMAIL_SETUP_PHONE] },
    // Telegram-like flood control (docs/operations.md, "Flood control"), so the sandbox behaves as production does.
    rates: TELEGRAM_LIKE_RATES,
    ...(snapshot ? { snapshot } : {}),
  })
  // The demo number with two-step verification; set on every start, so the password stays the documented one.
  emulator.setTwoFactorPassword(SANDBOX_TWO_STEP.phone, SANDBOX_TWO_STEP.password, SANDBOX_TWO_STEP.hint)

  // Saves are chained so two never overlap, and coalesced so a burst of changes writes once.
  // A store that keeps failing (a full disk) is one error for the outage, not one per change.
  let saving: Promise<void> = Promise.resolve()
  let pending = false
  let failedSaves = 0
  const save = (): Promise<void> => {
    if (pending) return saving
    pending = true
    saving = saving.then(async () => {
      pending = false
      const plaintext = Buffer.from(JSON.stringify(emulator.snapshot()))
      try {
        await store.write(SANDBOX_NAME, key ? encryptSession(key, plaintext) : plaintext)
      } catch (err) {
        if (failedSaves++ === 0) log.error({ err: { message: (err as Error).message, errorCode: errnoOf(err) } }, 'could not save the sandbox state; it is saved again at its next change')
        else log.debug({ err: { message: (err as Error).message }, failedSaves }, 'could not save the sandbox state')
        return
      }
      if (failedSaves > 0) log.info({ failedSaves }, 'the sandbox state is saved again')
      failedSaves = 0
    })
    return saving
  }
  await save()
  const unsubscribe = emulator.onChange(() => void save())
  const stopPosting = startPostSchedule(emulator, options.postEveryMs ?? DEMO_POST_EVERY_MS, options.timer)

  return {
    code: DEFAULT_LOGIN_CODE,
    emulator,
    telegram: {
      apiId: SANDBOX_API_ID,
      apiHash: SANDBOX_API_HASH,
      dc: { host: emulator.host, port: emulator.port, id: emulator.dcId },
      // The emulator listens on new ports after a restart: a stored session's DC is found by its id.
      dcAddresses: Object.fromEntries(emulator.dcAddresses().map((dc) => [dc.dcId, { host: dc.host, port: dc.port }])),
      publicKeyPem: emulator.publicKeyPem,
    },
    async stop() {
      stopPosting()
      unsubscribe()
      await save()
      await emulator.stop()
    },
  }
}
