/**
 * The start-up every program shares, written once and in one order: the configuration from the
 * environment → a logger → the session store (every call with a deadline) → the session's lease
 * → the store fenced by it (leftover temporary files removed under it) →
 * the Telegram to reach (the configured one, or the sandbox's emulator beside the session). The
 * service (`main.ts`) and the terminal commands (`npm run sign-in`, `npm run session`) differ
 * only in where they log and in whether they wait for a lease another process holds: the service
 * waits (a crashed predecessor's lease runs out first), a command refuses at once and names the
 * holder, because two processes on one auth key make Telegram revoke it. Every failure here is
 * one line, `<program>: <why>`, and exit 1.
 */
import type { Logger } from 'pino'
import { ConfigError, loadConfig, type Config } from './config/config.ts'
import type { LogLevel } from './core/logger.ts'
import { createLogger } from './core/logger.ts'
import type { BlobStore, WrittenAt } from './sessions/blob-store.ts'
import { FencedStore } from './sessions/fenced-store.ts'
import { acquireLease, serviceLeaseOptions, type SessionLease } from './sessions/lease.ts'
import { leaseTiming } from './sessions/lease-timing.ts'
import type { LeaseStore } from './sessions/lease-store.ts'
import { openStore } from './sessions/open-store.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'
import { openTelegramTarget, type TelegramTarget } from './telegram-target.ts'

export const EXIT_FAILED = 1

/** `service`: the log on stdout at LOG_LEVEL; `terminal`: on stderr, warnings and errors only, the terminal being the command's. */
export type LogTo = 'service' | 'terminal'

export interface Startup {
  /** The program's name in its messages, e.g. "sign-in". */
  program: string
  logTo: LogTo
  config: Config
  logger: Logger
  /** The store SESSION_URL names, as it is (reads; writes only under the lease, through `HeldSession.sessions`). */
  store: BlobStore & LeaseStore & WrittenAt
}

export interface HeldSession {
  lease: SessionLease
  /** The store, every write fenced by the lease: a stale holder cannot save over its successor. */
  sessions: BlobStore
}

/** Prints `<program>: <message>` on stderr and exits with status 1. */
export function exitWith(program: string, message: string): never {
  process.stderr.write(`${program}: ${message}\n`)
  process.exit(EXIT_FAILED)
}

/** The terminal is for the command: below warn, the service's log lines would drown it. */
function quieter(level: LogLevel): LogLevel {
  return level === 'info' || level === 'debug' || level === 'trace' ? 'warn' : level
}

/** Configuration → logger → store. */
export async function start(program: string, logTo: LogTo, env: NodeJS.ProcessEnv = process.env): Promise<Startup> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) exitWith(program, err.message)
    throw err
  }
  const logger = logTo === 'service'
    ? await createLogger({ level: config.logLevel, format: config.logFormat, fd: 1, env })
    : await createLogger({ level: quieter(config.logLevel), format: config.logFormat, fd: 2, env })
  // Every call to the store has a deadline shorter than the lease lives (sessions/lease-timing.ts).
  const store = await openStore(config.sessionUrl, env, leaseTiming(config.sessionLeaseTtlSeconds).storeDeadlineMs)
  return { program, logTo, config, logger, store }
}

/**
 * The session's lease — waited for by the service (SESSION_LOCK_WAIT), refused at once for a
 * command — and the store fenced by it. A lease lost later, or one that could not be renewed in
 * time, ends the process (and with it the Telegram connection): another process may own the
 * session by now, or soon, and must not have its record saved over.
 */
export async function holdSession(startup: Startup): Promise<HeldSession> {
  const { program, logTo, config, store, logger } = startup
  const onLost = (err: SessionStoreError): never => {
    // Said in the log (for the collector) and on stderr (for the terminal).
    if (logTo === 'service') logger.error({ code: err.code, store: store.describe() }, err.message)
    exitWith(program, err.message)
  }
  const timing = leaseTiming(config.sessionLeaseTtlSeconds)
  let lease: SessionLease
  try {
    // A holder that cannot renew in time gives the lease up (onLost) before it can expire.
    lease = await acquireLease(store, serviceLeaseOptions(timing, logTo === 'service' ? config.sessionLockWaitSeconds : false, { log: logger, onLost }))
  } catch (err) {
    if (err instanceof SessionStoreError) exitWith(program, err.message)
    throw err
  }
  const sessions = new FencedStore(store, lease, logger)
  await removeLeftovers(sessions, logger)
  return { lease, sessions }
}

/**
 * Temporary files a process killed in mid-write left beside the session (each may hold a whole
 * session, auth key included) are removed under the lease. A failure is logged and the start
 * goes on: the next start tries again.
 */
async function removeLeftovers(sessions: FencedStore, logger: Logger): Promise<void> {
  try {
    const removed = await sessions.removeLeftovers()
    if (removed.length > 0) logger.warn({ store: sessions.describe(), removed: removed.length }, 'removed temporary copies of the session left by an interrupted write')
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message }, store: sessions.describe() }, 'could not remove temporary files left beside the session')
  }
}

/** Which Telegram to reach; in sandbox mode the emulator is started here, its state beside the session. */
export function openTelegram(startup: Startup, held: HeldSession): Promise<TelegramTarget> {
  return openTelegramTarget(startup.config, held.sessions, startup.logger)
}
