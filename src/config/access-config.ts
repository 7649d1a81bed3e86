/**
 * Who may reach the HTTP API from where: the names the service answers for (ALLOWED_HOSTS,
 * against DNS rebinding) and the browser origins allowed to use it (CORS_ORIGINS, which both
 * opens CORS to them and lets them change state). Both lists are explicit: no wildcard origin.
 */
import { isIP } from 'node:net'
import { ConfigError, quote, read } from './config-values.ts'

export interface AccessConfig {
  /**
   * Host names (lower case, no port) requests may name besides IP literals and `localhost`;
   * `['*']` accepts any Host.
   */
  readonly allowedHosts: readonly string[]
  /** Browser origins (`scheme://host[:port]`) allowed to call the API, CORS included. */
  readonly corsOrigins: readonly string[]
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/

/** ALLOWED_HOSTS and CORS_ORIGINS; `bindHost` (HOST) is answered for when it is a name. */
export function parseAccess(env: NodeJS.ProcessEnv, bindHost: string): AccessConfig {
  const allowedHosts = list(read(env, 'ALLOWED_HOSTS')).map((entry) => parseHostName(entry))
  const bind = bindHost.toLowerCase()
  if (isIP(bind) === 0 && !allowedHosts.includes(bind)) allowedHosts.push(bind)
  const corsOrigins = list(read(env, 'CORS_ORIGINS')).map((entry) => parseOrigin(entry))
  return Object.freeze({ allowedHosts: Object.freeze(allowedHosts), corsOrigins: Object.freeze([...new Set(corsOrigins)]) })
}

function list(text: string | null): string[] {
  return text === null ? [] : text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
}

function parseHostName(entry: string): string {
  const name = entry.toLowerCase().replace(/\.$/, '')
  if (name === '*' || HOST_NAME.test(name)) return name
  throw new ConfigError('ALLOWED_HOSTS', `ALLOWED_HOSTS must be comma-separated host names without port (or *), got ${quote(entry)}`)
}

function parseOrigin(entry: string): string {
  const url = URL.canParse(entry) ? new URL(entry) : null
  const origin = url !== null && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : null
  // An origin is scheme, host and port only (RFC 6454 §4): a path or a wildcard names none.
  if (origin === null || entry.replace(/\/$/, '').toLowerCase() !== origin.toLowerCase()) {
    throw new ConfigError('CORS_ORIGINS', `CORS_ORIGINS must be comma-separated origins such as https://dashboard.example.com, got ${quote(entry)}`)
  }
  return origin
}
