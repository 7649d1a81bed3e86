/**
 * The `flood` scenario: the service's `/messages` under the sandbox's flood control
 * (packages/emulator/src/telegram-like-rates.ts) — the time against the floor Telegram's limits set (the
 * pages past the burst ÷ the rate), the waits met per method and the calls sent during a wait.
 * Goals: time ≤ 1.25 × floor, at most 3 waits per method, no call during a wait. The clock runs
 * BENCH_FLOOD_SCALE (10) times faster than the wall's, in the emulator and the service alike
 * (bench/scaled-clock.ts); RPC latency stays BENCH_LATENCY_MS of wall time.
 *
 *   BENCH_CHANNELS (50) × BENCH_PER_CHANNEL (1000) messages, BENCH_LATENCY_MS (20), BENCH_FLOOD_SCALE (10)
 */
import { TELEGRAM_LIKE_RATES } from '@telegram-connector/emulator'
import { signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { runReader, windowEnv } from './run-reader.ts'

export async function benchFlood(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
  const PER_CHANNEL = Number(process.env.BENCH_PER_CHANNEL ?? 1000)
  const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20)
  const SCALE = Number(process.env.BENCH_FLOOD_SCALE ?? 10)
  const timing = { originMs: Date.now(), scale: SCALE }
  const emulator = await startEmulatorProcess({ channels: CHANNELS, perChannel: PER_CHANNEL, latencyMs: LATENCY_MS, flood: timing })
  try {
    const env = { ...windowEnv(emulator.dc, await signInOnce(emulator.dc)), BENCH_CLOCK: JSON.stringify(timing) }
    const history = TELEGRAM_LIKE_RATES.find((rule) => rule.method === 'messages.getHistory')!
    console.log(
      `flood: ${CHANNELS} channels × ${PER_CHANNEL} messages under the sandbox's flood control (getHistory: ${history.burst} at once, ` +
        `${history.perSecond}/s, ${history.penaltySeconds} s waits), ${LATENCY_MS} ms per RPC, time ×${SCALE}`,
    )
    await emulator.ask('reset')
    const run = await runReader('./read-with-connector.ts', env)
    const calls = await emulator.ask('counters')
    const waits = await emulator.ask<Record<string, { waits: number; callsDuringWait: number; callsInFlightAtWait: number }>>('flood')
    const refused = (method: string): number => (waits[method]?.waits ?? 0) + (waits[method]?.callsDuringWait ?? 0) + (waits[method]?.callsInFlightAtWait ?? 0)
    const pages = (calls['messages.getHistory'] ?? 0) - refused('messages.getHistory')
    const floor = Math.max(0, pages - history.burst) / history.perSecond
    const seconds = (run.ms / 1000) * SCALE
    console.log(`  ${run.messages} messages, ${pages} getHistory pages in ${seconds.toFixed(1)} s of Telegram time (${(run.ms / 1000).toFixed(1)} s of wall time)`)
    console.log(`  floor (pages past the burst ÷ rate) ${floor.toFixed(1)} s: time ×${(seconds / floor).toFixed(2)} of the floor (goal ≤ 1.25)`)
    const methods = Object.keys(waits).sort()
    if (methods.length === 0) console.log('  no flood wait met')
    for (const method of methods) {
      console.log(`  ${method}: ${waits[method]!.waits} waits met (goal ≤ 3), ${waits[method]!.callsDuringWait} calls sent during a wait (goal 0), ${waits[method]!.callsInFlightAtWait} in flight as one began`)
    }
  } finally {
    emulator.stop()
  }
}
