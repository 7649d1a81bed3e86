/**
 * `npm run emulator -- --port 2444 --public-key-out emulator.pem`: a standalone Telegram (five
 * DCs) for any MTProto client. Prints the default DC's address, the key file and how to sign
 * in. DC 2 listens on --port and DCs 1, 3, 4, 5 on the next four ports, so the addresses a
 * client learned from help.getConfig stay valid when the emulator is restarted.
 */
import { parseArgs } from 'node:util'
import { writeFileSync, readFileSync, existsSync, renameSync } from 'node:fs'
import { startEmulator, DEFAULT_LOGIN_CODE, type EmulatorSnapshot, type EmulatorSnapshotV1 } from './emulator.ts'
import { parseDuration } from './duration.ts'
import { parseRateRule, type RateRule } from './flood-control.ts'
import { semanticsOf, type EarlyCallMode, type FloodSemantics, type RefillMode, type WaitLengthMode } from './flood-semantics.ts'
import { startPostSchedule } from './post-schedule.ts'

const USAGE = `usage: npm run emulator -- [options]
  --host <addr>                 bind address (default 127.0.0.1)
  --port <n>                    DC 2's TCP port (default 2444; DCs 1, 3, 4, 5 take the next
                                four; 0 = any free ports)
  --public-key-out <file>       write the server's RSA public key (PKCS#1 PEM) there
  --private-key <file>          the server's RSA private key (PEM): loaded when the file exists,
                                else generated and written there (mode 0600)
  --state <file>                keep key, auth keys and accounts there across restarts
  --seed <n>                    world seed (default 1)
  --channels <n>                public channels (default 4)
  --messages <n>                messages per channel (default 400)
  --span <duration>             time the messages cover, e.g. 7d, 12h, 3600 (seconds) (default 7d)
  --code <code>                 the login code every phone receives (default ${DEFAULT_LOGIN_CODE})
  --two-factor-password <pwd>   give every account this two-step password
  --rate <M:B:R:P[:G]>          flood control for method M ('*': all but auth.* and help.*): a burst
                                of B calls, R more per second, a wait of P seconds past that
                                (e.g. messages.getHistory:30:1:15); rules naming one group G
                                share one bucket; repeatable
  --rate-change <S:M:B:R:P[:G]> S seconds after the start, method M's limit becomes B:R:P (its
                                buckets keep what they hold); repeatable
  --flood-refill <mode>         during-wait (default): buckets refill while a wait runs;
                                after-wait: only once it is over
  --flood-early-calls <mode>    ignored (default): a call during a wait is told the seconds left;
                                extend: it restarts the wait
  --extend-early-waits          the same as --flood-early-calls extend
  --flood-wait-length <mode>    fixed (default): the penalty; jittered: give or take 30 %;
                                growing: doubled (up to 8×) for a wait within one penalty of the last
  --flood-seed <n>              seeds the jitter (default 1)
  --post-every <duration>       post a new message in the next channel this often (e.g. 5s, 1m)
  --help`

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}, got "${text}"`)
  return n
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'public-key-out': { type: 'string' },
      'private-key': { type: 'string' },
      state: { type: 'string' },
      seed: { type: 'string' },
      channels: { type: 'string' },
      messages: { type: 'string' },
      span: { type: 'string' },
      code: { type: 'string' },
      'two-factor-password': { type: 'string' },
      rate: { type: 'string', multiple: true },
      'extend-early-waits': { type: 'boolean' },
      'rate-change': { type: 'string', multiple: true },
      'flood-refill': { type: 'string' },
      'flood-early-calls': { type: 'string' },
      'flood-wait-length': { type: 'string' },
      'flood-seed': { type: 'string' },
      'post-every': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
}
try {
  args = parse()
} catch (err) {
  fail((err as Error).message)
}
const v = args.values
if (v.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

const span = v.span === undefined ? 7 * 86_400 : parseDuration(v.span)
if (span === undefined || span <= 0) fail(`--span must be a duration such as 7d, 12h or 3600, got "${v.span}"`)
const rates: RateRule[] = (v.rate ?? []).map((text) => {
  const rule = parseRateRule(text)
  if (rule === null) fail(`--rate must be METHOD:BURST:PER_SECOND:PENALTY_SECONDS (a positive integer burst and penalty, a positive rate), got "${text}"`)
  return rule
})
const rateChanges = (v['rate-change'] ?? []).map((text) => {
  const at = text.indexOf(':')
  const seconds = Number(text.slice(0, at))
  const rule = at < 0 ? null : parseRateRule(text.slice(at + 1))
  if (rule === null || !(seconds >= 0)) fail(`--rate-change must be SECONDS:METHOD:BURST:PER_SECOND:PENALTY_SECONDS, got "${text}"`)
  return { atMs: Date.now() + seconds * 1000, rule }
})
let floodSemantics: FloodSemantics
try {
  floodSemantics = semanticsOf({
    ...(v['flood-refill'] === undefined ? {} : { refill: v['flood-refill'] as RefillMode }),
    ...(v['flood-early-calls'] === undefined ? {} : { earlyCalls: v['flood-early-calls'] as EarlyCallMode }),
    ...(v['extend-early-waits'] ? { earlyCalls: 'extend' as const } : {}),
    ...(v['flood-wait-length'] === undefined ? {} : { waitLength: v['flood-wait-length'] as WaitLengthMode }),
    seed: integer('flood-seed', v['flood-seed'], 1, 0, 2 ** 31 - 1),
  })
} catch (err) {
  fail(`--flood-*: ${(err as Error).message}`)
}
const postEvery = v['post-every'] === undefined ? undefined : parseDuration(v['post-every'])
if (v['post-every'] !== undefined && (postEvery === undefined || postEvery <= 0)) {
  fail(`--post-every must be a duration such as 5s, 1m or 10, got "${v['post-every']}"`)
}
const snapshot: EmulatorSnapshot | EmulatorSnapshotV1 | undefined =
  v.state && existsSync(v.state) ? (JSON.parse(readFileSync(v.state, 'utf8')) as EmulatorSnapshot) : undefined

const privateKeyFile = v['private-key']
const rsaPrivateKeyPem = privateKeyFile && existsSync(privateKeyFile) ? readFileSync(privateKeyFile, 'utf8') : undefined

const port = integer('port', v.port, 2444, 0, 65535 - 4)
const emulator = await startEmulator({
  host: v.host ?? '127.0.0.1',
  port,
  ports: port === 0 ? {} : { 1: port + 1, 3: port + 2, 4: port + 3, 5: port + 4 },
  world: {
    seed: integer('seed', v.seed, 1, 0, 2 ** 31 - 1),
    channels: integer('channels', v.channels, 4, 1, 10_000),
    messagesPerChannel: integer('messages', v.messages, 400, 1, 10_000_000),
    spanSeconds: span,
    now: Math.floor(Date.now() / 1000),
  },
  code: v.code ?? DEFAULT_LOGIN_CODE,
  ...(v['two-factor-password'] !== undefined ? { twoFactorPassword: v['two-factor-password'] } : {}),
  rates,
  floodSemantics,
  ...(snapshot ? { snapshot } : {}),
  ...(rsaPrivateKeyPem ? { rsaPrivateKeyPem } : {}),
})
for (const change of rateChanges) emulator.floodControl.scheduleRate(change.atMs, change.rule)
if (privateKeyFile && !rsaPrivateKeyPem) writeFileSync(privateKeyFile, emulator.snapshot().rsaPrivateKeyPem, { mode: 0o600 })

const saveState = (): void => {
  if (!v.state) return
  const tmp = `${v.state}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(emulator.snapshot()), { mode: 0o600 })
  renameSync(tmp, v.state)
}
saveState()
emulator.onChange(saveState)
const stopPosting = postEvery === undefined ? () => {} : startPostSchedule(emulator, postEvery * 1000)

if (v['public-key-out']) writeFileSync(v['public-key-out'], emulator.publicKeyPem)
const keyNote = v['public-key-out'] ?? '(not written: pass --public-key-out <file>)'
process.stdout.write(
  [
    `Telegram DC emulator listening on ${emulator.host}:${emulator.port} (DC ${emulator.dcId})`,
    `  public key:  ${keyNote}`,
    `  world:       ${emulator.world.channels.length} channels, seed ${emulator.snapshot().world.seed}`,
    ...(postEvery === undefined ? [] : [`  posting:     a new message every ${postEvery} s, channel after channel`]),
    `  sign in:     any phone number, code ${v.code ?? DEFAULT_LOGIN_CODE}${v['two-factor-password'] ? ', then the two-step password you set' : ''}`,
    `  the service: API_ID=1 API_HASH=emulator TELEGRAM_DC=${emulator.host}:${emulator.port} TELEGRAM_PUBLIC_KEY=${v['public-key-out'] ?? '<file>'} npm start`,
    `  all DCs:     ${emulator.dcAddresses().map((dc) => `${dc.dcId}=${dc.host}:${dc.port}`).join(',')}`,
    `  flood control: ${describeRates(rates)}${rates.length === 0 ? '' : `; refill ${floodSemantics.refill}, early calls ${floodSemantics.earlyCalls}, waits ${floodSemantics.waitLength}`}`,
    '',
  ].join('\n'),
)

function describeRates(rules: readonly RateRule[]): string {
  if (rules.length === 0) return 'off (--rate METHOD:BURST:PER_SECOND:PENALTY_SECONDS)'
  return rules.map((r) => `${r.method} ${r.burst} at once then ${r.perSecond}/s, past that a ${r.penaltySeconds} s wait${r.group === undefined ? '' : ` (group ${r.group})`}`).join('; ')
}

const stop = async (): Promise<void> => {
  stopPosting()
  saveState()
  await emulator.stop()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
