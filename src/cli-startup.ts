/**
 * The start-up the terminal commands share (`npm run sign-in`, `npm run session`), in the
 * service's order: the configuration from the same environment, a logger on stderr that leaves
 * the terminal to the command (warnings and errors only), the session store, and — for a
 * command that uses the session — its lease, taken without waiting: while the service runs on
 * the same store, the command refuses and names the holder, because two processes on one auth
 * key make Telegram revoke it. Every failure here is one line, `<command>: <why>`, and exit 1.
 */
import type { Logger } from 'pino'
import { ConfigError, loadConfig, type Config, type LogLevel } from './config.ts'
import { createLogger } from './logger.ts'
import type { BlobStore, WrittenAt } from './sessions/blob-store.ts'
import { FencedStore } from './sessions/fenced-store.ts'
import { acquireLease, type SessionLease } from './sessions/lease.ts'
import { leaseTiming } from './sessions/lease-timing.ts'
import type { LeaseStore } from './sessions/lease-store.ts'
import { openStore } from './sessions/open-store.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'

export const EXIT_FAILED = 1

export interface CliStartup {
  /** The command's name in its messages, e.g. "sign-in". */
  command: string
  config: Config
  logger: Logger
  /** The store SESSION_URL names, as it is (reads; writes only under the lease, through `sessions`). */
  store: BlobStore & LeaseStore & WrittenAt
}

export interface CliSession {
  lease: SessionLease
  /** The store, every write fenced by the lease. */
  sessions: BlobStore
}

/** Prints `<command>: <message>` on stderr and exits with status 1. */
export function exitWith(command: string, message: string): never {
  process.stderr.write(`${command}: ${message}\n`)
  process.exit(EXIT_FAILED)
}

/** The terminal is for the command: below warn, the service's log lines would drown it. */
function quieter(level: LogLevel): LogLevel {
  return level === 'info' || level === 'debug' || level === 'trace' ? 'warn' : level
}

/** Configuration → logger → store. */
export async function startCli(command: string, env: NodeJS.ProcessEnv = process.env): Promise<CliStartup> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) exitWith(command, err.message)
    throw err
  }
  const logger = await createLogger({ level: quieter(config.logLevel), format: config.logFormat, fd: 2, env })
  const store = await openStore(config.sessionUrl, env, leaseTiming(config.sessionLeaseTtlSeconds).storeDeadlineMs)
  return { command, config, logger, store }
}

/** The session's lease, refused at once while another process holds it. */
export async function holdSessionLease(startup: CliStartup): Promise<CliSession> {
  const { command, store, logger, config } = startup
  const { ttlMs, renewEveryMs, giveUpBeforeMs } = leaseTiming(config.sessionLeaseTtlSeconds)
  let lease: SessionLease
  try {
    lease = await acquireLease(store, {
      ttlMs,
      renewEveryMs,
      giveUpBeforeMs,
      wait: false,
      log: logger,
      onLost: (err) => exitWith(command, err.message),
    })
  } catch (err) {
    if (err instanceof SessionStoreError) exitWith(command, err.message)
    throw err
  }
  const sessions = new FencedStore(store, lease, logger)
  // Temporary copies a killed process left beside the session go, as at the service's start.
  await sessions.removeLeftovers().catch((err: unknown) => {
    logger.warn({ err: { message: (err as Error).message }, store: store.describe() }, 'could not remove temporary files left beside the session')
  })
  return { lease, sessions }
}
