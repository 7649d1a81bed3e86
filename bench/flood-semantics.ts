/**
 * The `flood-semantics` scenario: the service's `/messages` under each flood semantics the
 * emulator models (packages/emulator/src/flood-semantics.ts), messages.getHistory limited as the sandbox
 * limits it (a burst of 30, 1/s, 15 s waits). For each: time ÷ the floor that limit sets
 * (packages/emulator/src/flood-floor.ts), waits met, calls sent during a wait and calls in flight when one
 * began. Goals: ≤ 1.25 × floor, ≤ 3 waits, 0 calls during a wait. The clock runs
 * BENCH_FLOOD_SCALE (10) times faster than the wall's in both processes (bench/scaled-clock.ts).
 *
 *   BENCH_SEMANTICS_CHANNELS (30) × BENCH_SEMANTICS_PER_CHANNEL (600) messages, BENCH_LATENCY_MS (20),
 *   BENCH_SEMANTICS (a part of a scenario's name: only those)
 */
import { type RateRule, floorMs, type FloodSemantics } from '@telegram-connector/emulator/testing'
import { signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { runReader, windowEnv } from './run-reader.ts'

const HISTORY = 'messages.getHistory'
const LIMIT = { burst: 30, perSecond: 1, penaltySeconds: 15 }

const SCENARIOS: Array<{ name: string; semantics: Partial<FloodSemantics>; shared?: boolean; drop?: boolean }> = [
  { name: 'refill during a wait, early calls ignored, fixed waits', semantics: {} },
  { name: 'refill only after a wait', semantics: { refill: 'after-wait' } },
  { name: 'early calls extend a wait', semantics: { earlyCalls: 'extend' } },
  { name: 'jittered waits (±30 %)', semantics: { waitLength: 'jittered', seed: 7 } },
  { name: 'growing waits, refill after, early calls extend', semantics: { refill: 'after-wait', earlyCalls: 'extend', waitLength: 'growing' } },
  { name: 'one bucket for getDialogs and getHistory', semantics: {}, shared: true },
  { name: 'the rate falls to 60 % after 60 s', semantics: {}, drop: true },
]

export async function benchFloodSemantics(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_SEMANTICS_CHANNELS ?? 30)
  const PER_CHANNEL = Number(process.env.BENCH_SEMANTICS_PER_CHANNEL ?? 600)
  const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20)
  const SCALE = Number(process.env.BENCH_FLOOD_SCALE ?? 10)
  console.log(
    `flood-semantics: ${CHANNELS} channels × ${PER_CHANNEL} messages, getHistory ${LIMIT.burst} at once, ${LIMIT.perSecond}/s, ` +
      `${LIMIT.penaltySeconds} s waits, ${LATENCY_MS} ms per RPC, time ×${SCALE}; goals ×1.25 of the floor, ≤ 3 waits, 0 calls during a wait`,
  )
  // BENCH_SEMANTICS: only the scenarios whose name contains it.
  for (const scenario of SCENARIOS.filter((s) => s.name.includes(process.env.BENCH_SEMANTICS ?? ''))) {
    const timing = { originMs: Date.now(), scale: SCALE }
    const history: RateRule = { method: HISTORY, ...LIMIT, ...(scenario.shared ? { group: 'reads' } : {}) }
    const rates = scenario.shared ? [history, { ...history, method: 'messages.getDialogs' }] : [history]
    const emulator = await startEmulatorProcess(
      { channels: CHANNELS, perChannel: PER_CHANNEL, latencyMs: LATENCY_MS, flood: timing },
      { BENCH_FLOOD_RATES: JSON.stringify(rates), BENCH_FLOOD_SEMANTICS: JSON.stringify(scenario.semantics) },
    )
    try {
      const env = { ...windowEnv(emulator.dc, await signInOnce(emulator.dc)), BENCH_CLOCK: JSON.stringify(timing) }
      await emulator.ask('reset')
      if (scenario.drop) await emulator.ask(`drop ${HISTORY} 60 ${LIMIT.perSecond * 0.6}`)
      const run = await runReader('./read-with-connector.ts', env)
      const calls = await emulator.ask('counters')
      const flood = await emulator.ask<Record<string, { waits: number; callsDuringWait: number; callsInFlightAtWait: number }>>('flood')
      const admitted = (method: string): number =>
        (calls[method] ?? 0) - (flood[method]?.waits ?? 0) - (flood[method]?.callsDuringWait ?? 0) - (flood[method]?.callsInFlightAtWait ?? 0)
      const spent = admitted(HISTORY) + (scenario.shared ? admitted('messages.getDialogs') : 0)
      const floor = floorMs(spent, LIMIT, scenario.drop ? [{ atMs: 60_000, perSecond: LIMIT.perSecond * 0.6 }] : []) / 1000
      const seconds = (run.ms / 1000) * SCALE
      const h = flood[HISTORY] ?? { waits: 0, callsDuringWait: 0, callsInFlightAtWait: 0 }
      console.log(
        `  ${scenario.name}: ${run.messages} messages, ${seconds.toFixed(1)} s against a floor of ${floor.toFixed(1)} s: ×${(seconds / floor).toFixed(2)}; ` +
          `${h.waits} waits, ${h.callsDuringWait} calls during a wait, ${h.callsInFlightAtWait} in flight as one began`,
      )
    } finally {
      emulator.stop()
    }
  }
}
