/**
 * The benchmark's Telegram: an emulator in its own process (so its memory is not counted in
 * the readers' RSS), every RPC delayed by the given latency, optionally under the sandbox's
 * flood control on a clock `scale` times faster than the wall's (bench/scaled-clock.ts). Prints
 * its address as one JSON line; answers `counters` (RPCs per method), `flood` (waits and calls
 * during waits per method) and `reset` lines on stdin. BENCH_FLOOD_RATES (JSON rules, default the
 * sandbox's) and BENCH_FLOOD_SEMANTICS (JSON, packages/emulator/src/flood-semantics.ts) set the flood
 * control.
 *
 *   emulator-process.ts CHANNELS PER_CHANNEL LATENCY_MS [FLOOD_ORIGIN_MS FLOOD_SCALE]
 */
import { createInterface } from 'node:readline'
import { startEmulator, TELEGRAM_LIKE_RATES } from '@telegram-connector/emulator'
import type { RateRule, FloodSemantics } from '@telegram-connector/emulator/testing'
import { scaledNow } from './scaled-clock.ts'

const [channels, perChannel, latencyMs, floodOrigin, floodScale] = process.argv.slice(2).map(Number)
const now = Math.floor(Date.now() / 1000)
const flood = floodOrigin !== undefined && floodScale !== undefined
const emulator = await startEmulator({
  world: { seed: 7, channels: channels!, messagesPerChannel: perChannel!, spanSeconds: 7 * 86_400, now, privateChatMessages: 50, basicGroupMessages: 50 },
  ...(flood
    ? {
        rates: process.env.BENCH_FLOOD_RATES ? (JSON.parse(process.env.BENCH_FLOOD_RATES) as RateRule[]) : TELEGRAM_LIKE_RATES,
        floodSemantics: JSON.parse(process.env.BENCH_FLOOD_SEMANTICS ?? '{}') as Partial<FloodSemantics>,
        floodClock: scaledNow(floodOrigin, floodScale),
      }
    : {}),
})
if (latencyMs! > 0) emulator.faults.latency('*', latencyMs!)
process.stdout.write(
  JSON.stringify({ host: emulator.host, port: emulator.port, dcId: emulator.dcId, publicKeyPem: emulator.publicKeyPem, now }) + '\n',
)
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'counters') process.stdout.write(JSON.stringify(emulator.faults.counters.toJSON()) + '\n')
  else if (line === 'flood') process.stdout.write(JSON.stringify(emulator.floodControl.counters.toJSON()) + '\n')
  else if (line.startsWith('latency ')) {
    // latency MS: every RPC that much late from now on (0: none).
    emulator.faults.clear('*')
    if (Number(line.slice(8)) > 0) emulator.faults.latency('*', Number(line.slice(8)))
    process.stdout.write('{}\n')
  } else if (line.startsWith('drop ')) {
    // drop METHOD SECONDS PER_SECOND: the method's rate changes that many (scaled) seconds from now.
    const [, method, seconds, perSecond] = line.split(' ')
    const rule = emulator.floodControl.rates.find((r) => r.method === method)!
    emulator.floodControl.scheduleRate(scaledNow(floodOrigin!, floodScale!)() + Number(seconds) * 1000, { ...rule, perSecond: Number(perSecond) })
    process.stdout.write('{}\n')
  } else if (line === 'reset') {
    emulator.faults.counters.reset()
    emulator.floodControl.counters.reset()
    process.stdout.write('{}\n')
  }
}
await emulator.stop()
