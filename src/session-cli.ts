/**
 * `npm run session -- <command>`: the stored session from a terminal, with the service's
 * configuration (SESSION_URL, SESSION_ENCRYPTION_KEY, the AWS_* variables).
 *
 *   show                       what the store holds, with no secret (src/sessions/session-summary.ts)
 *   export --telethon [--to U] the signed-in session as a Telethon StringSession (docs/spec.md §5, the
 *                              way back to the Python service): printed, or written to U
 *
 * Export holds the session's lease while it reads (startup.ts), so it refuses while the
 * service runs: the service could be moving the account to another DC or about to save, and
 * a second process on the same auth key makes Telegram revoke it. The string goes to stdout or
 * to the target only, never to a log. Exit codes: 0 done, 1 failed, 2 bad arguments.
 */
import { lookup } from 'node:dns/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { exitWith, holdSession, start, type Startup } from './startup.ts'
import { ConfigError, parseSessionUrl, type SessionUrl } from './config.ts'
import { LEASE_OBJECT } from './sessions/lease.ts'
import { localIdentity } from './sessions/lease-identity.ts'
import { openStore } from './sessions/open-store.ts'
import { loadSessionRecord } from './sessions/session-persistence.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'
import { formatSessionSummary, summarizeSession } from './sessions/session-summary.ts'
import { encodeTelethonSession, mtcuteToTelethonSession } from './sessions/telethon-session.ts'

const COMMAND = 'session'
const EXIT_USAGE = 2

export const HELP = `Usage: npm run session -- <command>

  show                          What the session store holds, with no secret: signed in or not,
                                the DC, a pending sign-in, encrypted or not, when it was written,
                                and who holds the lease.
  export --telethon             Print the signed-in session as a Telethon StringSession, for the
                                Python service (the way back after moving from it).
  export --telethon --to <URL>  Write that string to <URL> instead: file:<path> or
                                s3://<bucket>/<key>, as SESSION_URL takes them (the same URL as
                                SESSION_URL replaces the session in place).

The exported string IS the account: whoever has it is signed in as this account, with no code
and no password. Keep it as you keep a password. It is written in clear, as Telethon reads it,
even when SESSION_ENCRYPTION_KEY is set.

Export refuses while the service (or npm run sign-in) runs on the same SESSION_URL: two
processes on one auth key make Telegram revoke it. Stop the service first; after the export,
start either this service or the Python one on the session, never both.

Reads SESSION_URL, SESSION_ENCRYPTION_KEY and the AWS_* variables as the service does.
`

function usage(why: string): never {
  process.stderr.write(`${COMMAND}: ${why}\n\n${HELP}`)
  process.exit(EXIT_USAGE)
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    usage((err as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const [command, ...rest] = positionals
  if (command === undefined) usage('name a command')
  if (rest.length > 0) usage(`unexpected ${rest.map((word) => JSON.stringify(word)).join(' ')}`)
  if (command === 'show') {
    if (values.telethon || values.to !== undefined) usage('show takes no options')
    return show(await start(COMMAND, 'terminal'))
  }
  if (command === 'export') {
    if (!values.telethon) usage('export needs --telethon (the one format it writes)')
    let target: SessionUrl | undefined
    try {
      target = values.to === undefined ? undefined : parseSessionUrl(values.to)
    } catch (err) {
      if (err instanceof ConfigError) usage(`--to: ${err.message.replace(/^SESSION_URL /, 'the URL ')}`)
      throw err
    }
    return exportTelethon(await start(COMMAND, 'terminal'), target)
  }
  usage(`unknown command ${JSON.stringify(command)}`)
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { telethon: { type: 'boolean' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  })
}

async function show(startup: Startup): Promise<number> {
  const { store, config } = startup
  const [stored, writtenAt, lease] = await Promise.all([store.read(''), store.writtenAt(''), store.read(LEASE_OBJECT)])
  const summary = summarizeSession({
    store: store.describe(),
    stored,
    writtenAt,
    key: config.sessionEncryptionKey,
    lease,
    now: Date.now(),
    identity: localIdentity(),
  })
  process.stdout.write(formatSessionSummary(summary))
  // Without the key an encrypted session is simply not readable here; anything else unreadable is wrong.
  const keyMissing = summary.encrypted && config.sessionEncryptionKey === null
  return summary.problem === null || keyMissing ? 0 : 1
}

async function exportTelethon(startup: Startup, target: SessionUrl | undefined): Promise<number> {
  const { config, store } = startup
  const { lease, sessions } = await holdSession(startup)
  try {
    const record = await loadSessionRecord(sessions, config.sessionEncryptionKey)
    if (record.session === null) {
      const pending = record.pendingSignIn === null ? '' : ' (a sign-in was started and not finished)'
      exitWith(COMMAND, `the session in ${store.describe()} is not signed in${pending}: there is nothing to export`)
    }
    const telethon = await mtcuteToTelethonSession(record.session, async (host) => (await lookup(host)).address)
    const text = encodeTelethonSession(telethon)
    if (target === undefined) {
      process.stdout.write(`${text}\n`)
      process.stderr.write(`${COMMAND}: the line above is the account itself (DC ${telethon.dcId}): whoever has it is signed in. Keep it secret.\n`)
      return 0
    }
    // The session's own location is written under the lease, fenced like every write of the service.
    const destination = sameLocation(target, config.sessionUrl) ? sessions : await openStore(target, process.env)
    await destination.write('', Buffer.from(text, 'utf8'))
    process.stderr.write(`${COMMAND}: the Telethon session (DC ${telethon.dcId}) is written to ${destination.describe()}, in clear: it is the account, keep it secret.\n`)
    return 0
  } finally {
    await lease.release()
  }
}

function sameLocation(a: SessionUrl, b: SessionUrl): boolean {
  if (a.scheme === 'file' && b.scheme === 'file') return resolve(a.path) === resolve(b.path)
  if (a.scheme === 's3' && b.scheme === 's3') return a.bucket === b.bucket && a.key === b.key
  return false
}

try {
  process.exit(await main(process.argv.slice(2)))
} catch (err) {
  if (err instanceof SessionStoreError) exitWith(COMMAND, err.message)
  exitWith(COMMAND, `failed: ${(err as Error).message}`)
}
