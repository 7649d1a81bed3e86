/**
 * The service's logger. Secrets are redacted by path as a second line of defence: nothing logs
 * a body, a session or a key on purpose.
 *
 * A person at a terminal reads pretty lines (pino-pretty, loaded only then); everything else —
 * a pipe, Docker, CI — gets one JSON object per line, for a log collector. LOG_FORMAT overrides.
 */
import { isatty } from 'node:tty'
import { pino, type Logger, type LoggerOptions } from 'pino'


export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const LOG_FORMATS = ['json', 'pretty'] as const
export type LogFormat = typeof LOG_FORMATS[number]

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

/** An error's message; a thrown non-error as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** An error's errno or library code (ECONNREFUSED, ETIMEDOUT…), its own or its causes'; null when none has one. */
export function errnoOf(err: unknown): string | null {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
  }
  return null
}

interface LoggedError {
  type: string
  message: string
  errorCode?: string
  stack?: string
  cause?: LoggedError
}

/**
 * How an error is logged: its class, message, code and stack, and its cause's. Only those:
 * pino's own serializer copies every enumerable property, a DOMException's two dozen constants
 * included. The code goes under `errorCode`, a name the redaction of login codes (`*.code`)
 * leaves alone, so ECONNREFUSED reads as itself.
 */
export function errorSummary(err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) }
  const code = (err as { code?: unknown }).code
  const summary: LoggedError = { type: err.name, message: err.message }
  if (typeof code === 'string' && code !== '') summary.errorCode = code
  if (err.stack !== undefined) summary.stack = err.stack
  if (err.cause !== undefined && depth < 3) summary.cause = errorSummary(err.cause, depth + 1)
  return summary
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      err: (err: unknown) => errorSummary(err),
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
