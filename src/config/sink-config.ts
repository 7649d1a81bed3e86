/**
 * Where the live feed is delivered out of the process (docs/spec.md §8): the webhook (WEBHOOK_*) and
 * NATS JetStream (NATS_*) settings, read from the environment at start as part of `loadConfig`.
 */
import { ConfigError, httpUrl, parseSeconds, quote, read, readNamedFile } from './config-values.ts'
import { parseTime } from '../core/time-window.ts'

export interface WebhookConfig {
  /** May carry credentials (user info, a query token): logged by host only. */
  readonly url: string
  readonly secret: string
  /** How long one POST may take before it counts as failed and is retried. */
  readonly timeoutMs: number
}

export interface NatsConfig {
  /** Server URLs (`nats://host:port`, `tls://…`, or `host:port`), as the `nats` client takes them. */
  readonly servers: readonly string[]
  readonly stream: string
  /** Subjects are `<prefix>.<event>.<channel_id>`. */
  readonly subjectPrefix: string
  /** Contents of the NATS_CREDS file (a JWT and an nkey seed), read at start. */
  readonly creds: string | null
  readonly user: string | null
  readonly password: string | null
  readonly token: string | null
}

export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10
export const DEFAULT_NATS_STREAM = 'TELEGRAM'
export const DEFAULT_NATS_SUBJECT_PREFIX = 'telegram'

export function parseWebhook(env: NodeJS.ProcessEnv): WebhookConfig | null {
  const text = read(env, 'WEBHOOK_URL')
  const secret = read(env, 'WEBHOOK_SECRET')
  if (text === null) {
    if (secret !== null) throw new ConfigError('WEBHOOK_URL', 'WEBHOOK_URL must be set when WEBHOOK_SECRET is set')
    return null
  }
  const url = httpUrl(text)
  // The URL may hold credentials: only its length is shown.
  if (url === null) {
    throw new ConfigError('WEBHOOK_URL', `WEBHOOK_URL must be an http(s) URL (value not shown, ${text.length} characters)`)
  }
  if (secret === null) throw new ConfigError('WEBHOOK_SECRET', 'WEBHOOK_SECRET must be set when WEBHOOK_URL is set: every delivery is signed with it')
  const timeout = parseSeconds('WEBHOOK_TIMEOUT', read(env, 'WEBHOOK_TIMEOUT') ?? String(DEFAULT_WEBHOOK_TIMEOUT_SECONDS))
  if (timeout === 0) throw new ConfigError('WEBHOOK_TIMEOUT', 'WEBHOOK_TIMEOUT must be at least 1 second')
  return { url: url.href, secret, timeoutMs: timeout * 1000 }
}

// JetStream names: no whitespace, dots, wildcards or path separators (ADR-6); subject tokens
// are kept to the portable characters.
const NATS_STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/
const NATS_SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
const NATS_SERVER = /^(?:(?:nats|tls|ws|wss):\/\/)?[^\s,/]+(?::\d{1,5})?\/?$/

export function parseNats(env: NodeJS.ProcessEnv): NatsConfig | null {
  const text = read(env, 'NATS_URL')
  if (text === null) return null
  const servers = text.split(',').map((server) => server.trim()).filter((server) => server !== '')
  if (servers.length === 0 || !servers.every((server) => NATS_SERVER.test(server))) {
    throw new ConfigError('NATS_URL', `NATS_URL must be one or more comma-separated nats://host:port URLs (value not shown, ${text.length} characters)`)
  }
  const stream = read(env, 'NATS_STREAM') ?? DEFAULT_NATS_STREAM
  if (!NATS_STREAM_NAME.test(stream)) {
    throw new ConfigError('NATS_STREAM', `NATS_STREAM must be 1-64 letters, digits, "-" or "_", got ${quote(stream)}`)
  }
  const subjectPrefix = read(env, 'NATS_SUBJECT_PREFIX') ?? DEFAULT_NATS_SUBJECT_PREFIX
  if (!NATS_SUBJECT_PREFIX.test(subjectPrefix)) {
    throw new ConfigError('NATS_SUBJECT_PREFIX', `NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, "-" or "_", got ${quote(subjectPrefix)}`)
  }
  const user = read(env, 'NATS_USER')
  const password = read(env, 'NATS_PASSWORD')
  if ((user === null) !== (password === null)) {
    throw new ConfigError(user === null ? 'NATS_USER' : 'NATS_PASSWORD', 'NATS_USER and NATS_PASSWORD must be set together')
  }
  return { servers, stream, subjectPrefix, creds: readCredsFile(env), user, password, token: read(env, 'NATS_TOKEN') }
}

function readCredsFile(env: NodeJS.ProcessEnv): string | null {
  const file = readNamedFile(env, 'NATS_CREDS')
  if (file === null) return null
  const { path, text } = file
  if (!text.includes('-----BEGIN NATS USER JWT-----') || !text.includes('SEED-----')) {
    throw new ConfigError('NATS_CREDS', `NATS_CREDS file ${quote(path)} is not a NATS credentials file (a user JWT and an nkey seed)`)
  }
  return text
}

/** SINK_START_AT: an ISO 8601 time, a date or Unix seconds (as `start_time`), in Unix seconds. */
export function parseSinkStartAt(text: string | null): number | null {
  if (text === null) return null
  const parsed = parseTime(text)
  if (!parsed.ok) throw new ConfigError('SINK_START_AT', `SINK_START_AT must be a time (ISO 8601, a date or Unix seconds): ${parsed.reason}`)
  return Math.floor(parsed.ms / 1000)
}
