/**
 * The `unlimited` scenario: the service's `/messages` with no flood limit at all, every RPC
 * BENCH_LATENCY_MS (20) late — the 30-channel week (about 3 400 messages) a person reads. Its
 * floor is the same read with no latency (what this machine spends turning the messages into
 * the answer) plus the latency of its calls at 4 in flight, the service's most (getHistory calls
 * ÷ 4 and getDialogs calls ÷ 2, the main list and the archive read side by side). Goal ≤ 1.3 ×
 * floor: concurrency ramps up within a few calls. Beside it, a plain sequential mtcute loop over
 * the same window (bench/read-with-plain-mtcute.ts), the shape of the predecessor's reads.
 *
 *   BENCH_UNLIMITED_CHANNELS (30) × BENCH_UNLIMITED_PER_CHANNEL (114), BENCH_ROUNDS (3)
 */
import { median, signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { runReader, windowEnv } from './run-reader.ts'

export async function benchUnlimited(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_UNLIMITED_CHANNELS ?? 30)
  const PER_CHANNEL = Number(process.env.BENCH_UNLIMITED_PER_CHANNEL ?? 114)
  const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20)
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
  const emulator = await startEmulatorProcess({ channels: CHANNELS, perChannel: PER_CHANNEL, latencyMs: LATENCY_MS })
  try {
    const env = windowEnv(emulator.dc, await signInOnce(emulator.dc))
    console.log(`unlimited: ${CHANNELS} channels × ${PER_CHANNEL} messages over 7 days, no flood limit, ${LATENCY_MS} ms per RPC, ${ROUNDS} rounds`)
    const service: number[] = []
    const unlatent: number[] = []
    const plain: number[] = []
    let latencyFloor = 0
    let messages = 0
    for (let round = 0; round < ROUNDS; round++) {
      await emulator.ask('latency 0')
      unlatent.push((await runReader('./read-with-connector.ts', env)).ms)
      await emulator.ask(`latency ${LATENCY_MS}`)
      await emulator.ask('reset')
      const run = await runReader('./read-with-connector.ts', env)
      const calls = await emulator.ask('counters')
      latencyFloor = LATENCY_MS * ((calls['messages.getHistory'] ?? 0) / 4 + (calls['messages.getDialogs'] ?? 0) / 2)
      messages = run.messages
      service.push(run.ms)
      plain.push((await runReader('./read-with-plain-mtcute.ts', env)).ms)
    }
    const ms = median(service)
    const floor = median(unlatent) + latencyFloor
    console.log(
      `  service: ${messages} messages in ${ms.toFixed(0)} ms (median); with no latency ${median(unlatent).toFixed(0)} ms, ` +
        `+ ${latencyFloor.toFixed(0)} ms of latency at 4 in flight = a floor of ${floor.toFixed(0)} ms: ×${(ms / floor).toFixed(2)} (goal ≤ 1.3)`,
    )
    console.log(`  plain sequential mtcute loop: ${median(plain).toFixed(0)} ms; the service ${(median(plain) / ms).toFixed(1)}× faster`)
  } finally {
    emulator.stop()
  }
}
