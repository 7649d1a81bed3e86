/**
 * `npm run bench`: the service's `/messages` against a plain mtcute loop over the same window,
 * side by side in one run (this machine is shared; only ratios measured together mean much).
 * The emulator runs in its own process with a fixed latency on every RPC; each reader runs in a
 * fresh process so its peak RSS is its own. Rounds alternate the order of the two readers.
 *
 *   BENCH_CHANNELS (50) × BENCH_PER_CHANNEL (1000) messages, BENCH_LATENCY_MS (20), BENCH_ROUNDS (2)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MemoryStorage } from '@mtcute/core'
import { TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'

const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
const PER_CHANNEL = Number(process.env.BENCH_PER_CHANNEL ?? 1000)
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

interface Dc { host: string; port: number; dcId: number; publicKeyPem: string; now: number }
interface ReaderResult { messages: number; bytes: number; ms: number; maxRssMiB: number }

interface EmulatorProcess {
  dc: Dc
  child: ChildProcess
  ask(line: string): Promise<Record<string, number>>
  stop(): void
}

async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(tsx, [here('./emulator-process.ts'), String(CHANNELS), String(PER_CHANNEL), String(LATENCY_MS)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async (): Promise<string> => {
    const r = await lines.next()
    if (r.done) throw new Error('the emulator process exited')
    return r.value
  }
  const first = await next()
  return {
    dc: JSON.parse(first) as Dc,
    child,
    ask: async (line: string) => {
      child.stdin.write(line + '\n')
      return JSON.parse(await next()) as Record<string, number>
    },
    stop: () => {
      child.kill('SIGTERM')
    },
  }
}

async function signInOnce(dc: Dc): Promise<string> {
  addPublicKey(new NodeCryptoProvider(), dc.publicKeyPem)
  const address = { id: dc.dcId, ipAddress: dc.host, port: dc.port }
  const tg = new TelegramClient({ apiId: 1, apiHash: 'bench', storage: new MemoryStorage(), defaultDcs: { main: address, media: { ...address, mediaOnly: true } }, logLevel: 0 })
  const sent = await tg.sendCode({ phone: '+15550001111' })
  if (!('phoneCodeHash' in sent)) throw new Error('sendCode did not ask for a code')
  await tg.signIn({ phone: '+15550001111', phoneCodeHash: sent.phoneCodeHash, phoneCode: '12345' })
  const session = await tg.exportSession()
  await tg.destroy()
  return session
}

function runReader(script: string, env: Record<string, string>): Promise<ReaderResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [here(script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ReaderResult) : reject(new Error(`${script} exited ${code}`))))
  })
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const emulator = await startEmulatorProcess()
try {
  const session = await signInOnce(emulator.dc)
  const window = { startIso: new Date((emulator.dc.now - 7 * 86_400 - 60) * 1000).toISOString(), endIso: new Date(emulator.dc.now * 1000).toISOString() }
  const env = { BENCH_DC: JSON.stringify(emulator.dc), BENCH_RUN: JSON.stringify({ session, ...window }) }
  const readers = { connector: './read-with-connector.ts', 'plain mtcute': './read-with-plain-mtcute.ts' } as const
  const results: Record<keyof typeof readers, { run: ReaderResult; rpcs: number; histories: number }[]> = { connector: [], 'plain mtcute': [] }
  console.log(`window: ${CHANNELS} channels × ${PER_CHANNEL} messages over 7 days, ${LATENCY_MS} ms added to every RPC, ${ROUNDS} rounds`)
  for (let round = 0; round < ROUNDS; round++) {
    const order = (round % 2 === 0 ? ['connector', 'plain mtcute'] : ['plain mtcute', 'connector']) as (keyof typeof readers)[]
    for (const name of order) {
      await emulator.ask('reset')
      const run = await runReader(readers[name], env)
      const counters = await emulator.ask('counters')
      const rpcs = Object.values(counters).reduce((a, b) => a + b, 0)
      results[name].push({ run, rpcs, histories: counters['messages.getHistory'] ?? 0 })
      console.log(`  round ${round + 1} ${name.padEnd(12)} ${run.messages} messages in ${(run.ms / 1000).toFixed(2)} s, ${rpcs} RPCs, peak RSS ${run.maxRssMiB.toFixed(0)} MiB`)
    }
  }
  const summary = (name: keyof typeof readers) => {
    const r = results[name]
    const ms = median(r.map((x) => x.run.ms))
    const messages = r[0]!.run.messages
    return { messages, perSecond: messages / (ms / 1000), rpcsPer100: (100 * median(r.map((x) => x.rpcs))) / messages, historyCalls: median(r.map((x) => x.histories)), rss: median(r.map((x) => x.run.maxRssMiB)) }
  }
  const a = summary('connector')
  const b = summary('plain mtcute')
  if (a.messages !== b.messages) console.log(`  WARNING: the readers disagree on the window: ${a.messages} vs ${b.messages} messages`)
  console.log('')
  console.log('reader          messages/s   RPCs/100 msgs   getHistory calls   peak RSS MiB')
  for (const [name, s] of [['connector', a], ['plain mtcute', b]] as const) {
    console.log(`${name.padEnd(15)} ${s.perSecond.toFixed(0).padStart(10)}   ${s.rpcsPer100.toFixed(2).padStart(13)}   ${String(s.historyCalls).padStart(16)}   ${s.rss.toFixed(0).padStart(12)}`)
  }
  console.log(`ratio (connector / plain): throughput ×${(a.perSecond / b.perSecond).toFixed(2)}, RPCs ×${(a.rpcsPer100 / b.rpcsPer100).toFixed(2)}, peak RSS ×${(a.rss / b.rss).toFixed(2)}`)
} finally {
  emulator.stop()
}
