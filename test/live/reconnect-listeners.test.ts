/**
 * Reconnecting many times leaks nothing onto long-lived AbortSignals: a NATS sink whose server
 * is away is opened again and again by its delivery loop (the backoff on a pumped clock, so a
 * hundred attempts take no real waiting), and Node never warns that listeners pile up
 * (MaxListenersExceededWarning, past 10 on one signal); when the server comes, delivery starts.
 * Node 20 warned on every AbortSignal by default; Node 24 only on a signal given a limit, so
 * every controller made during the test gets Node 20's limit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setMaxListeners } from 'node:events'
import { NatsSink } from '../../src/live/sinks/nats-sink.ts'
import { DeliveryLoop } from '../../src/live/sinks/delivery-loop.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { ListedLiveFeed, interleavedPosts } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { pumpClock } from '../helpers/clock-pump.ts'
import { startNatsServer } from '../helpers/nats-server.ts'
import { waitUntil } from '../helpers/wait-until.ts'

const T0 = Date.UTC(2026, 0, 1)
const ATTEMPTS = 100

test(`${ATTEMPTS} failed connections in a row add no listener that stays, and delivery starts once the server is there`, async (t) => {
  const warnings: Error[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning) }
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const Platform = globalThis.AbortController
  globalThis.AbortController = class extends Platform {
    constructor() {
      super()
      setMaxListeners(10, this.signal)
    }
  }
  t.after(() => { globalThis.AbortController = Platform })
  const server = await startNatsServer()
  t.after(() => server.close())
  await server.stop('SIGTERM')

  const log = recordingLog()
  const clock = new ManualClock(T0)
  const pump = pumpClock(clock)
  t.after(() => pump.stop())
  const sink = new NatsSink({
    config: { servers: [server.url], stream: 'LEAK', subjectPrefix: 'leak', creds: null, user: null, password: null, token: null },
    log,
    connectTimeoutMs: 1_000,
    reconnectWaitMs: 20,
    publishTimeoutMs: 1_000,
  })
  const events = interleavedPosts([2200000001], 3, T0 / 1000)
  const loop = DeliveryLoop.start({ sink, feed: new ListedLiveFeed(events), log, clock, random: () => 0.5 })
  t.after(() => loop.stop())
  const failures = (): number => log.entries.filter((entry) => entry.msg === 'cannot open the sink; retrying').length
  await waitUntil(() => failures() >= ATTEMPTS, `${ATTEMPTS} failed attempts`, 60_000)
  await server.start()
  await waitUntil(() => loop.status().delivered === 3, 'delivered once the server came', 30_000)
  await loop.stop()
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), [])
  assert.ok(failures() >= ATTEMPTS)
})
