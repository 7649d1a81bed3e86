/**
 * The service's logger. Secrets are redacted by path as a second line of defence: nothing logs
 * a body, a session or a key on purpose.
 *
 * A person at a terminal reads pretty lines (pino-pretty, loaded only then); everything else —
 * a pipe, Docker, CI — gets one JSON object per line, for a log collector. LOG_FORMAT overrides.
 */
import { isatty } from 'node:tty'
import { pino, type Logger, type LoggerOptions } from 'pino'
import type { LogFormat, LogLevel } from './config.ts'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.code',
  '*.phone_code',
  '*.phoneCode',
  '*.phoneCodeHash',
  '*.two_factor_password',
  '*.twoFactorPassword',
  '*.session',
  '*.sessionString',
  '*.authKey',
  '*.auth_key',
  '*.apiHash',
  '*.apiToken',
  '*.token',
  '*.secret',
  '*.pass',
]

/** Query parameters whose values are credentials (a stream token of the live feed). */
const SECRET_QUERY = /([?&]stream_token=)[^&#]*/g

/** A request URL as it may be logged. */
export function loggableUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]')
}

interface LoggedRequest {
  method: string
  url: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      // Fastify's request summary, with credentials in the query string redacted.
      req: (req: LoggedRequest) => ({ method: req.method, url: loggableUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
    },
  }
}

/**
 * LOG_FORMAT when set; otherwise pretty only when the destination is a terminal and the
 * process is not under CI (CI runners that give a job a pseudo-terminal still want JSON).
 */
export function chooseLogFormat(configured: LogFormat | null, terminal: boolean, env: NodeJS.ProcessEnv): LogFormat {
  if (configured !== null) return configured
  const underCi = env.CI !== undefined && env.CI !== '' && env.CI !== 'false'
  return terminal && !underCi ? 'pretty' : 'json'
}

export interface LoggerSettings {
  level: LogLevel
  format: LogFormat | null
  /** Where the lines go: 1 (stdout, the service) or 2 (stderr, the terminal commands). */
  fd: 1 | 2
  env: NodeJS.ProcessEnv
}

export async function createLogger(settings: LoggerSettings): Promise<Logger> {
  const terminal = isatty(settings.fd)
  if (chooseLogFormat(settings.format, terminal, settings.env) === 'json') {
    return pino(loggerOptions(settings.level), pino.destination({ fd: settings.fd, sync: true }))
  }
  const { default: pretty } = await import('pino-pretty')
  // Synchronous, in this thread: a line written just before process.exit() is not lost.
  return pino(loggerOptions(settings.level), pretty({ destination: settings.fd, sync: true, colorize: terminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }))
}
