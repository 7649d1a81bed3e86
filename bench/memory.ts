/**
 * The `memory` scenario: the service's peak RSS reading 10 000 and 100 000 messages (BENCH_CHANNELS
 * channels × 200 and × 2 000, no latency, no flood control), each in a fresh process. Goal: at
 * most 30 MB more for ten times the messages.
 */
import { signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { runReader, windowEnv } from './run-reader.ts'

export async function benchMemory(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
  const sizes = [200, 2000]
  const peaks: number[] = []
  console.log(`memory: the service's peak RSS at ${CHANNELS} channels × ${sizes.join(' and × ')} messages, no latency, no flood control`)
  for (const perChannel of sizes) {
    const emulator = await startEmulatorProcess({ channels: CHANNELS, perChannel, latencyMs: 0 })
    try {
      const run = await runReader('./read-with-connector.ts', windowEnv(emulator.dc, await signInOnce(emulator.dc)))
      peaks.push(run.maxRssMiB)
      console.log(`  ${run.messages} messages in ${(run.ms / 1000).toFixed(2)} s, peak RSS ${run.maxRssMiB.toFixed(0)} MiB`)
    } finally {
      emulator.stop()
    }
  }
  console.log(`  10k → 100k messages: peak RSS +${(peaks[1]! - peaks[0]!).toFixed(0)} MiB (goal ≤ 30), ×${(peaks[1]! / peaks[0]!).toFixed(2)}`)
}
