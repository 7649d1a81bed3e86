/**
 * The start-up every program shares, written once and in one order: the configuration from the
 * environment → a logger → the session store → the session's lease → the store fenced by it →
 * the Telegram to reach (the configured one, or the sandbox's emulator beside the session). The
 * service (`main.ts`) and the terminal commands (`npm run sign-in`, `npm run session`) differ
 * only in where they log and in whether they wait for a lease another process holds: the service
 * waits (a crashed predecessor's lease runs out first), a command refuses at once and names the
 * holder, because two processes on one auth key make Telegram revoke it. Every failure here is
 * one line, `<program>: <why>`, and exit 1.
 */
import type { Logger } from 'pino'
import { ConfigError, loadConfig, type Config, type LogLevel } from './config.ts'
import { createLogger } from './logger.ts'
import type { BlobStore, WrittenAt } from './sessions/blob-store.ts'
import { FencedStore } from './sessions/fenced-store.ts'
import { SESSION_LEASE_TIMING, acquireLease, serviceLeaseOptions, type SessionLease } from './sessions/lease.ts'
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
  const store = await openStore(config.sessionUrl, env)
  return { program, logTo, config, logger, store }
}

/**
 * The session's lease — waited for by the service (SESSION_LOCK_WAIT), refused at once for a
 * command — and the store fenced by it. A lease lost later ends the process: another process
 * may own the session by now, and must not have its record saved over.
 */
export async function holdSession(startup: Startup): Promise<HeldSession> {
  const { program, logTo, config, store, logger } = startup
  const onLost = (err: SessionStoreError): never => {
    // Said in the log (for the collector) and on stderr (for the terminal).
    if (logTo === 'service') logger.error({ code: err.code, store: store.describe() }, err.message)
    exitWith(program, err.message)
  }
  let lease: SessionLease
  try {
    lease = await acquireLease(store, logTo === 'service'
      ? serviceLeaseOptions(config.sessionLockWaitSeconds, { log: logger, onLost })
      : { ...SESSION_LEASE_TIMING, wait: false, log: logger, onLost })
  } catch (err) {
    if (err instanceof SessionStoreError) exitWith(program, err.message)
    throw err
  }
  return { lease, sessions: new FencedStore(store, lease, logger) }
}

/** Which Telegram to reach; in sandbox mode the emulator is started here, its state beside the session. */
export function openTelegram(startup: Startup, held: HeldSession): Promise<TelegramTarget> {
  return openTelegramTarget(startup.config, held.sessions, startup.logger)
}
