/**
 * The `messages` scenario: the service's `/messages` against a plain mtcute loop over the same
 * window, side by side in one run (this machine is shared; only ratios measured together mean
 * much). The emulator runs in its own process with a fixed latency on every RPC; each reader
 * runs in a fresh process so its peak RSS is its own. Rounds alternate the order of the readers.
 *
 *   BENCH_CHANNELS (50) × BENCH_PER_CHANNEL (1000) messages, BENCH_LATENCY_MS (20), BENCH_ROUNDS (2)
 */
import { median, signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { runReader, windowEnv, type ReaderResult } from './run-reader.ts'

export async function benchMessages(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
  const PER_CHANNEL = Number(process.env.BENCH_PER_CHANNEL ?? 1000)
  const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20)
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
  const emulator = await startEmulatorProcess({ channels: CHANNELS, perChannel: PER_CHANNEL, latencyMs: LATENCY_MS })
  try {
    const env = windowEnv(emulator.dc, await signInOnce(emulator.dc))
    const readers = { connector: './read-with-connector.ts', 'plain mtcute': './read-with-plain-mtcute.ts' } as const
    const results: Record<keyof typeof readers, { run: ReaderResult; rpcs: number; histories: number }[]> = { connector: [], 'plain mtcute': [] }
    console.log(`messages: ${CHANNELS} channels × ${PER_CHANNEL} messages over 7 days, ${LATENCY_MS} ms added to every RPC, ${ROUNDS} rounds`)
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
}
