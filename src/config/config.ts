/**
 * The service's configuration (docs/spec.md §2), read from the environment once at start and frozen.
 *
 * Every invalid value raises a `ConfigError` whose message is one line naming the variable, so
 * `main` can print it and exit without a stack trace. An empty variable counts as unset (as in
 * shells and compose files, where `VAR=` is the usual way to clear a value). Secret values
 * (API_HASH, API_TOKEN, SESSION_ENCRYPTION_KEY) are never echoed in messages.
 */
import { createPublicKey } from 'node:crypto'
import { isIP } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseChannelList } from '../core/channel-reference.ts'
import { ConfigError, httpUrl, parseSeconds, quote, read, readNamedFile } from './config-values.ts'
import { parseNats, parseSinkStartAt, parseWebhook, type NatsConfig, type WebhookConfig } from './sink-config.ts'
import { parseAccess, type AccessConfig } from './access-config.ts'
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../core/logger.ts'

export { ConfigError } from './config-values.ts'
export { DEFAULT_NATS_STREAM, DEFAULT_NATS_SUBJECT_PREFIX, DEFAULT_WEBHOOK_TIMEOUT_SECONDS, type NatsConfig, type WebhookConfig } from './sink-config.ts'


export type SessionUrl =
  | { readonly scheme: 'file', readonly path: string, readonly href: string }
  | { readonly scheme: 's3', readonly bucket: string, readonly key: string, readonly href: string }

export interface HostPort {
  readonly host: string
  readonly port: number
}

export interface Config extends AccessConfig {
  readonly port: number
  readonly host: string
  /** True when no Telegram credentials are configured (API_ID unset or 0): the in-process emulator serves. */
  readonly sandbox: boolean
  readonly apiId: number | null
  readonly apiHash: string | null
  /** An MTProto server to use instead of Telegram's production DCs: the DC a new sign-in starts on. */
  readonly telegramDc: (HostPort & { readonly id: number }) | null
  /** Every DC address TELEGRAM_DC names, by DC id (the default DC's included); empty when unset. */
  readonly telegramDcAddresses: Readonly<Record<number, HostPort>>
  /** PEM text of that server's RSA public key (PKCS#1), read at start. */
  readonly telegramPublicKey: string | null
  readonly sessionUrl: SessionUrl
  /** A custom S3 endpoint (MinIO, R2, a local S3); implies path-style addressing. */
  readonly s3Endpoint: string | null
  readonly apiToken: string | null
  readonly allowUnauthenticated: boolean
  /** How long a second instance waits for the session's lease before it gives up. */
  readonly sessionLockWaitSeconds: number
  /** How long the session's lease lives without renewal; its renewals and deadlines follow (src/sessions/lease-timing.ts). */
  readonly sessionLeaseTtlSeconds: number
  /** How long a client may take to send a request's headers, and the whole request (src/http/slow-clients.ts). */
  readonly httpHeadersTimeoutSeconds: number
  readonly httpRequestTimeoutSeconds: number
  /** The longest Telegram flood wait sat through once a response has started (FLOOD_WAIT_MAX, docs/spec.md §2, §7). */
  readonly floodWaitMaxSeconds: number
  /** The longest sat through before a response has started; longer is a 429 (FLOOD_WAIT_THRESHOLD). */
  readonly floodWaitThresholdSeconds: number
  /** AES-256 key for sessions at rest; null stores them in clear. */
  readonly sessionEncryptionKey: Buffer | null
  readonly logLevel: LogLevel
  /** LOG_FORMAT; null: pretty when the log goes to a terminal, JSON lines otherwise (src/core/logger.ts). */
  readonly logFormat: LogFormat | null
  /** Where every live event is POSTed, signed (WEBHOOK_URL, WEBHOOK_SECRET); null: no webhook. */
  readonly webhook: WebhookConfig | null
  /** The JetStream the live feed is published to (NATS_URL and its options); null: no NATS. */
  readonly nats: NatsConfig | null
  /** LIVE_CHANNELS: only these channels (bare ids) go to the webhook and NATS; null: every channel. */
  readonly liveChannels: ReadonlySet<number> | null
  /**
   * SINK_START_AT: where a sink's delivery begins at its very first start (Unix seconds: every
   * message dated after it); null: the feed's position at that start.
   */
  readonly sinkStartAt: number | null
}

export const DEFAULT_PORT = 5000
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_SESSION_URL = 'file:./data/session'
/** Longer than the session lease lives (30 s), so a crashed predecessor's lease runs out first. */
export const DEFAULT_SESSION_LOCK_WAIT_SECONDS = 45
export const DEFAULT_FLOOD_WAIT_MAX_SECONDS = 300
export const DEFAULT_HTTP_HEADERS_TIMEOUT_SECONDS = 10
export const DEFAULT_HTTP_REQUEST_TIMEOUT_SECONDS = 30
/** Telethon's default flood_sleep_threshold: the waits the predecessor sat through before answering. */
export const DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS = 60

/** How long the session's lease lives without renewal, unless SESSION_LEASE_TTL says (sessions/lease-timing.ts). */
export const DEFAULT_SESSION_LEASE_TTL_SECONDS = 30
/** Below this the deadlines (a sixth of the lease) leave a store too little time to answer. */
export const MIN_SESSION_LEASE_TTL_SECONDS = 3

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const host = read(env, 'HOST') ?? DEFAULT_HOST
  const apiId = parseApiId(env)
  const apiHash = apiId === null ? null : parseApiHash(env)
  const apiToken = read(env, 'API_TOKEN')
  const allowUnauthenticated = parseBoolean(env, 'ALLOW_UNAUTHENTICATED', false)
  // Anyone who can reach a non-loopback address could read the account's messages.
  if (apiToken === null && !allowUnauthenticated && !isLoopbackHost(host)) {
    throw new ConfigError('API_TOKEN', `API_TOKEN must be set when HOST is not a loopback address (HOST is ${quote(host)}); set ALLOW_UNAUTHENTICATED=true to serve without authentication`)
  }
  const config: Config = {
    port: parsePort('PORT', read(env, 'PORT') ?? String(DEFAULT_PORT)),
    host,
    sandbox: apiId === null,
    apiId,
    apiHash,
    ...parseTelegramDc(env),
    telegramPublicKey: readPublicKey(env),
    sessionUrl: parseSessionUrl(read(env, 'SESSION_URL') ?? DEFAULT_SESSION_URL),
    s3Endpoint: parseS3Endpoint(env),
    apiToken,
    allowUnauthenticated,
    sessionLockWaitSeconds: parseSeconds('SESSION_LOCK_WAIT', read(env, 'SESSION_LOCK_WAIT') ?? String(DEFAULT_SESSION_LOCK_WAIT_SECONDS)),
    sessionLeaseTtlSeconds: parseLeaseTtl(env),
    ...parseHttpTimeouts(env),
    floodWaitMaxSeconds: parseSeconds('FLOOD_WAIT_MAX', read(env, 'FLOOD_WAIT_MAX') ?? String(DEFAULT_FLOOD_WAIT_MAX_SECONDS)),
    floodWaitThresholdSeconds: parseSeconds('FLOOD_WAIT_THRESHOLD', read(env, 'FLOOD_WAIT_THRESHOLD') ?? String(DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS)),
    sessionEncryptionKey: parseEncryptionKey(env),
    logLevel: parseLogLevel(env),
    webhook: parseWebhook(env),
    nats: parseNats(env),
    liveChannels: parseLiveChannels(read(env, 'LIVE_CHANNELS')),
    ...parseAccess(env, host),
    sinkStartAt: parseSinkStartAt(read(env, 'SINK_START_AT')),
    logFormat: parseLogFormat(env),
  }
  Object.freeze(config.telegramDc)
  for (const address of Object.values(config.telegramDcAddresses)) Object.freeze(address)
  Object.freeze(config.telegramDcAddresses)
  Object.freeze(config.sessionUrl)
  Object.freeze(config.webhook)
  if (config.nats) Object.freeze(config.nats.servers)
  Object.freeze(config.nats)
  return Object.freeze(config)
}

function parseLeaseTtl(env: NodeJS.ProcessEnv): number {
  const seconds = parseSeconds('SESSION_LEASE_TTL', read(env, 'SESSION_LEASE_TTL') ?? String(DEFAULT_SESSION_LEASE_TTL_SECONDS))
  if (seconds < MIN_SESSION_LEASE_TTL_SECONDS) {
    throw new ConfigError('SESSION_LEASE_TTL', `SESSION_LEASE_TTL must be at least ${MIN_SESSION_LEASE_TTL_SECONDS} seconds, got ${seconds}`)
  }
  return seconds
}

function parseHttpTimeouts(env: NodeJS.ProcessEnv): Pick<Config, 'httpHeadersTimeoutSeconds' | 'httpRequestTimeoutSeconds'> {
  const headers = parseSeconds('HTTP_HEADERS_TIMEOUT', read(env, 'HTTP_HEADERS_TIMEOUT') ?? String(DEFAULT_HTTP_HEADERS_TIMEOUT_SECONDS))
  const request = parseSeconds('HTTP_REQUEST_TIMEOUT', read(env, 'HTTP_REQUEST_TIMEOUT') ?? String(DEFAULT_HTTP_REQUEST_TIMEOUT_SECONDS))
  if (headers < 1) throw new ConfigError('HTTP_HEADERS_TIMEOUT', `HTTP_HEADERS_TIMEOUT must be at least 1 second, got ${headers}`)
  if (request < headers) {
    throw new ConfigError('HTTP_REQUEST_TIMEOUT', `HTTP_REQUEST_TIMEOUT (${request} s) must be at least HTTP_HEADERS_TIMEOUT (${headers} s): the whole request includes its headers`)
  }
  return { httpHeadersTimeoutSeconds: headers, httpRequestTimeoutSeconds: request }
}

/**
 * Channel ids, bare or -100-prefixed, comma-separated. Ids rather than usernames: they are
 * known without asking Telegram (the service may start before it is signed in), and a username
 * can pass to another channel while an id never does.
 */
function parseLiveChannels(text: string | null): ReadonlySet<number> | null {
  if (text === null) return null
  const { names, invalid } = parseChannelList(text)
  const ids = names.flatMap((name) => (name.kind === 'id' ? [name.id] : []))
  const wrong = [...invalid, ...names.flatMap((name) => (name.kind === 'id' ? [] : [name.written]))]
  if (wrong.length > 0 || ids.length === 0) {
    const shown = wrong.slice(0, 3).map(quote).join(', ')
    throw new ConfigError('LIVE_CHANNELS', `LIVE_CHANNELS must be channel ids (1234567890 or -1001234567890), comma-separated${shown === '' ? '' : `; not ids: ${shown}`}`)
  }
  return new Set(ids)
}

function parsePort(variable: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigError(variable, `${variable} must be an integer between 1 and 65535, got ${quote(text)}`)
  }
  return port
}

function parseApiId(env: NodeJS.ProcessEnv): number | null {
  const text = read(env, 'API_ID')
  if (text === null) return null
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2 ** 31 - 1) {
    throw new ConfigError('API_ID', `API_ID must be a positive integer (or 0 for sandbox mode), got ${quote(text)}`)
  }
  const id = Number(text)
  return id === 0 ? null : id
}

function parseApiHash(env: NodeJS.ProcessEnv): string {
  const hash = read(env, 'API_HASH')
  if (hash === null) throw new ConfigError('API_HASH', 'API_HASH must be set when API_ID is set')
  return hash
}

/**
 * `host:port` (an IPv6 host in brackets, `[::1]:443`, as in a URL authority): the default DC,
 * id 2. Or `id=host:port` entries separated by commas (`2=10.0.0.1:443,4=10.0.0.4:443`): each
 * DC's address by id, the first entry being where a new sign-in starts. A stored session keeps
 * the address it names unless its DC id is listed (src/telegram/calls/dc-addresses.ts).
 */
function parseTelegramDc(env: NodeJS.ProcessEnv): Pick<Config, 'telegramDc' | 'telegramDcAddresses'> {
  const text = read(env, 'TELEGRAM_DC')
  if (text === null) return { telegramDc: null, telegramDcAddresses: {} }
  const entries = text.split(',').map((entry) => entry.trim())
  const listed = entries.length > 1 || /^\d+=/.test(entries[0]!)
  const addresses: Record<number, HostPort> = {}
  let first: (HostPort & { id: number }) | undefined
  for (const entry of entries) {
    const match = listed ? /^(\d+)=(.*)$/.exec(entry) : ['', '2', entry]
    const id = Number(match?.[1])
    if (!match || !(id >= 1 && id <= 1000)) {
      throw new ConfigError('TELEGRAM_DC', `TELEGRAM_DC entries must be id=host:port (e.g. 2=127.0.0.1:443,4=127.0.0.1:444), got ${quote(entry)}`)
    }
    if (addresses[id] !== undefined) throw new ConfigError('TELEGRAM_DC', `TELEGRAM_DC names DC ${id} twice`)
    const address = parseHostPort(match[2]!, text)
    addresses[id] = address
    first ??= { id, ...address }
  }
  return { telegramDc: first!, telegramDcAddresses: addresses }
}

function parseHostPort(text: string, whole: string): HostPort {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]=,]+)):(\d+)$/.exec(text)
  const host = match?.[1] ?? match?.[2]
  if (match === null || host === undefined || (match[1] !== undefined && isIP(match[1]) !== 6)) {
    throw new ConfigError('TELEGRAM_DC', `TELEGRAM_DC must be host:port (an IPv6 host in brackets) or id=host:port entries, got ${quote(whole)}`)
  }
  const port = Number(match[3])
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigError('TELEGRAM_DC', `TELEGRAM_DC port must be between 1 and 65535, got ${quote(whole)}`)
  }
  return { host, port }
}

function readPublicKey(env: NodeJS.ProcessEnv): string | null {
  const file = readNamedFile(env, 'TELEGRAM_PUBLIC_KEY')
  if (file === null) return null
  const { path, text: pem } = file
  let isRsa = false
  try {
    isRsa = createPublicKey(pem).asymmetricKeyType === 'rsa'
  } catch {
    isRsa = false
  }
  if (!isRsa) {
    throw new ConfigError('TELEGRAM_PUBLIC_KEY', `TELEGRAM_PUBLIC_KEY file ${quote(path)} is not an RSA public key in PEM form`)
  }
  return pem
}

// S3 bucket naming rules: 3–63 characters of lowercase letters, digits, dots and hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** `file:<path>` (also `file:///absolute/path`) or `s3://<bucket>/<key>`. */
export function parseSessionUrl(text: string): SessionUrl {
  const fail = (why: string): never => {
    throw new ConfigError('SESSION_URL', `SESSION_URL must be file:<path> or s3://<bucket>/<key> (${why}), got ${quote(text)}`)
  }
  if (text.startsWith('file://')) {
    let path = ''
    try {
      path = fileURLToPath(text)
    } catch {
      fail('not a valid file URL')
    }
    return { scheme: 'file', path, href: text }
  }
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length)
    if (path === '') fail('the path is empty')
    return { scheme: 'file', path, href: text }
  }
  if (text.startsWith('s3://')) {
    const rest = text.slice('s3://'.length)
    const slash = rest.indexOf('/')
    const bucket = slash < 0 ? rest : rest.slice(0, slash)
    const key = slash < 0 ? '' : rest.slice(slash + 1)
    if (!BUCKET_NAME.test(bucket)) fail('the bucket name is invalid')
    if (key === '' || key.endsWith('/')) fail('the object key is missing')
    return { scheme: 's3', bucket, key, href: text }
  }
  return fail('unknown scheme')
}

/**
 * The AWS SDK reads AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL (the SDKs' shared
 * "service-specific endpoints" settings); we read them too, to turn on path-style addressing.
 */
export function parseS3Endpoint(env: NodeJS.ProcessEnv): string | null {
  for (const variable of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const text = read(env, variable)
    if (text === null) continue
    if (httpUrl(text) === null) {
      throw new ConfigError(variable, `${variable} must be an http(s) URL, got ${quote(text)}`)
    }
    return text
  }
  return null
}

function parseBoolean(env: NodeJS.ProcessEnv, variable: string, fallback: boolean): boolean {
  const text = read(env, variable)
  if (text === null) return fallback
  if (text === 'true') return true
  if (text === 'false') return false
  throw new ConfigError(variable, `${variable} must be true or false, got ${quote(text)}`)
}

/** 32 bytes written as 64 hex digits or as base64 (standard or URL-safe alphabet). */
function parseEncryptionKey(env: NodeJS.ProcessEnv): Buffer | null {
  const text = read(env, 'SESSION_ENCRYPTION_KEY')
  if (text === null) return null
  if (/^[0-9A-Fa-f]{64}$/.test(text)) return Buffer.from(text, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (key.length === 32) return key
  }
  throw new ConfigError('SESSION_ENCRYPTION_KEY', `SESSION_ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or base64 (value not shown, ${text.length} characters)`)
}

function parseLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const text = read(env, 'LOG_LEVEL') ?? 'info'
  const level = LOG_LEVELS.find((candidate) => candidate === text)
  if (level === undefined) {
    throw new ConfigError('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${quote(text)}`)
  }
  return level
}

function parseLogFormat(env: NodeJS.ProcessEnv): LogFormat | null {
  const text = read(env, 'LOG_FORMAT')
  if (text === null) return null
  const format = LOG_FORMATS.find((candidate) => candidate === text)
  if (format === undefined) throw new ConfigError('LOG_FORMAT', `LOG_FORMAT must be json or pretty, got ${quote(text)}`)
  return format
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare === 'localhost' || bare === '::1') return true
  if (isIP(bare) === 4) return bare.startsWith('127.')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  return mapped !== null && mapped[1].startsWith('127.')
}
