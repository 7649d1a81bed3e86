/**
 * The service's pino options (Fastify creates the logger from them). Secrets are redacted by
 * path as a second line of defence: nothing logs a body, a session or a key on purpose.
 */
import type { LoggerOptions } from 'pino'
import type { LogLevel } from './config.ts'

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

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }
}
