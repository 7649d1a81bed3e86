/**
 * The whole service reading /messages under the emulator's flood control, every clock one manual
 * clock the test moves — the emulator's buckets, the service's flood gate and its keep-alive
 * timer — so a 15 s wait costs no real time. Time moves only when the flood gate is waiting for it
 * (a flood wait or its pacing) and Telegram has no call in flight, towards the end of the gate's
 * next sleep in steps of at most 5 s; keep-alive timers fire as that time passes.
 */
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { RateRule, FloodSemantics } from '@telegram-connector/emulator/testing'
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { signIn, startService, type Service } from './service.ts'
import { ManualClock } from './manual-clock.ts'
import type { Clock } from '../../src/core/clock.ts'
import { expectedChannelMessages, isoTime } from './world-messages.ts'

export const NOW = 1_750_000_000
export const SPAN = 86_400
const PHONE = '+15557008888'
export const HISTORY = 'messages.getHistory'

/** The gate's view of the manual clock, which knows when the gate's own sleeps end. */
export class GateClock implements Clock {
  readonly #ends = new Map<symbol, number>()
  readonly clock: ManualClock

  constructor(clock: ManualClock) {
    this.clock = clock
  }
  now(): number {
    return this.clock.now()
  }
  sleep(ms: number, options: Parameters<Clock['sleep']>[1]): Promise<void> {
    const key = Symbol('sleep')
    this.#ends.set(key, this.clock.now() + ms)
    return this.clock.sleep(ms, options).finally(() => this.#ends.delete(key))
  }
  /** When the gate's earliest pending sleep ends, or undefined. */
  get nextWake(): number | undefined {
    const ends = [...this.#ends.values()]
    return ends.length === 0 ? undefined : Math.min(...ends)
  }
}

export interface FloodSetup {
  emulator: Emulator
  service: Service
  clock: ManualClock
  gateClock: GateClock
  metrics: ServiceMetrics
  query: string
  expected: string[]
  close(): Promise<void>
}

export interface FloodReadOptions {
  channels: number
  perChannel: number
  rates: RateRule[]
  floodWaitMax?: number
  /** Default: early calls extend a wait (a client that calls early is caught); the rest as the emulator's default. */
  semantics?: Partial<FloodSemantics>
}

/** An emulator with `rates` and `semantics`, the whole service against it, an account signed in; the window is the world's last day. */
export async function setUpFloodRead(options: FloodReadOptions): Promise<FloodSetup> {
  const clock = new ManualClock(NOW * 1000)
  const gateClock = new GateClock(clock)
  const emulator = await startEmulator({
    world: { seed: 31, channels: options.channels, messagesPerChannel: options.perChannel, spanSeconds: SPAN, now: NOW },
    rates: options.rates,
    floodClock: () => clock.now(),
    floodSemantics: { earlyCalls: 'extend', ...options.semantics },
  })
  const metrics = createServiceMetrics({ processMetrics: false })
  const service = await startService({
    sharedEmulator: emulator,
    metrics,
    streamClock: clock,
    gateway: { clock: gateClock, ...(options.floodWaitMax === undefined ? {} : { floodWaitMax: options.floodWaitMax }) },
  })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
  const after = NOW - SPAN - 10
  return {
    emulator,
    service,
    clock,
    gateClock,
    metrics,
    query: `start_time=${isoTime(after)}&end_time=${isoTime(NOW)}`,
    expected: expectedChannelMessages(emulator.world, after, NOW).map((ref) => `${ref.channel.id}:${ref.id}`),
    async close() {
      await service.close()
      await emulator.stop()
    },
  }
}

/** Settles `work` while time runs: whenever the gate waits and Telegram is idle, the clock jumps to the gate's next wake. */
export async function withTimeRunning<T>(s: FloodSetup, work: Promise<T>): Promise<T> {
  let settled = false
  const watched = work.finally(() => {
    settled = true
  })
  watched.catch(() => {})
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 2))
    const next = s.gateClock.nextWake
    const busy = s.emulator.faults.counters.inFlight(HISTORY) + s.emulator.faults.counters.inFlight('messages.getDialogs')
    // In steps of at most 5 s, so that timers shorter than a wait (the keep-alive's) fire on time.
    if (next !== undefined && busy === 0) s.clock.advance(Math.min(5_000, Math.max(0, next - s.clock.now())))
  }
  return watched
}

