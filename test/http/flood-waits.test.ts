/**
 * /messages under the emulator's flood control (docs/spec.md §7), every clock one manual clock the test
 * moves — the emulator's buckets, the service's flood gate and its keep-alive timer — so a 15 s
 * wait costs no real time. Time moves only when the flood gate is waiting for it (a flood wait or
 * its pacing) and Telegram has no call in flight, towards the end of the gate's next sleep in
 * steps of at most 5 s; keep-alive timers fire as that time passes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { RateRule } from '@telegram-connector/emulator/testing'
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { assertProblem } from '../helpers/problem.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import type { Clock } from '../../src/clock.ts'
import { expectedChannelMessages, isoTime } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 86_400
const PHONE = '+15557008888'
const HISTORY = 'messages.getHistory'

/** The gate's view of the manual clock, which knows when the gate's own sleeps end. */
class GateClock implements Clock {
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

interface Setup {
  emulator: Emulator
  service: Service
  clock: ManualClock
  gateClock: GateClock
  metrics: ServiceMetrics
  query: string
  expected: string[]
  close(): Promise<void>
}

async function setUp(options: { channels: number; perChannel: number; rates: RateRule[]; floodWaitMax?: number }): Promise<Setup> {
  const clock = new ManualClock(NOW * 1000)
  const gateClock = new GateClock(clock)
  const emulator = await startEmulator({
    world: { seed: 31, channels: options.channels, messagesPerChannel: options.perChannel, spanSeconds: SPAN, now: NOW },
    rates: options.rates,
    floodClock: () => clock.now(),
  })
  emulator.floodControl.extendWaitOnEarlyCalls = true
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
async function withTimeRunning<T>(s: Setup, work: Promise<T>): Promise<T> {
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

const keysOf = (messages: Array<{ id: number; peer_id: { channel_id: number } }>): string[] => messages.map((m) => `${m.peer_id.channel_id}:${m.id}`)

async function readAll(s: Setup, accept = 'application/json'): Promise<{ status: number; text: string }> {
  return withTimeRunning(s, (async () => {
    const response = await fetch(`${s.service.url}/messages?${s.query}`, { headers: { accept } })
    return { status: response.status, text: await response.text() }
  })())
}

function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? 0 : Number(line.slice(sample.length + 1))
}

const SMALL_BUCKET: RateRule = { method: HISTORY, burst: 4, perSecond: 1, penaltySeconds: 5 }

test('a window that needs several times the burst streams to the end, equal to the world, with no call sent during a wait', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [SMALL_BUCKET] })
  try {
    const { status, text } = await readAll(s)
    assert.equal(status, 200)
    assert.deepEqual(keysOf(JSON.parse(text)), s.expected)
    const counters = s.emulator.floodControl.counters
    assert.ok(s.emulator.faults.counters.get(HISTORY) >= 3 * SMALL_BUCKET.burst, 'several times the burst')
    assert.ok(counters.waits(HISTORY) >= 1, 'the read met the limit')
    assert.ok(counters.waits(HISTORY) <= 3, `waits: ${counters.waits(HISTORY)}`)
    assert.equal(counters.callsDuringWait(HISTORY), 0)
  } finally {
    await s.close()
  }
})

test('two requests at once share each wait: every wait is met by one call, and none is sent during it', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [SMALL_BUCKET] })
  try {
    const [a, b] = await withTimeRunning(s, Promise.all([readAll(s), readAll(s, 'application/x-ndjson')]))
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    assert.deepEqual(keysOf(JSON.parse(a.text)), s.expected)
    assert.deepEqual(keysOf(b.text.trim().split('\n').map((line) => JSON.parse(line))), s.expected)
    const counters = s.emulator.floodControl.counters
    assert.equal(counters.callsDuringWait(HISTORY), 0)
    const metrics = await (await fetch(`${s.service.url}/metrics`)).text()
    assert.equal(metricValue(metrics, `telegram_flood_waits_total{method="${HISTORY}"}`), counters.waits(HISTORY), 'each wait met once, by one request')
    assert.ok(counters.waits(HISTORY) <= 3)
  } finally {
    await s.close()
  }
})

test('a wait longer than 10 s before the first byte is a 429 with Retry-After, and the next request sends nothing until it is over', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 2, perSecond: 0.1, penaltySeconds: 30 }] })
  try {
    const first = await fetch(`${s.service.url}/messages?${s.query}`)
    await assertProblem(first, 429, 'FLOOD_WAIT')
    assert.equal(first.headers.get('retry-after'), '30')
    const calls = s.emulator.faults.counters.get(HISTORY)

    s.clock.advance(12_000)
    const second = await fetch(`${s.service.url}/messages?${s.query}`)
    await assertProblem(second, 429, 'FLOOD_WAIT')
    assert.equal(second.headers.get('retry-after'), '18')
    assert.equal(s.emulator.faults.counters.get(HISTORY), calls, 'nothing of the method is sent during the wait')
    assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)
  } finally {
    await s.close()
  }
})

/** Whitespace outside JSON strings: the keep-alives (the service writes compact JSON otherwise). */
const keepAliveBytes = (body: string): number => body.replace(/"(?:[^"\\]|\\.)*"/g, '""').split(' ').length - 1

for (const format of ['application/json', 'application/x-ndjson'] as const) {
  test(`${format}: during a 40 s wait mid-stream a keep-alive byte goes out every 15 s, the log says what it waits for, and the answer still parses`, async () => {
    const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 4, perSecond: 0.5, penaltySeconds: 40 }] })
    try {
      const { status, text } = await readAll(s, format)
      assert.equal(status, 200)
      const messages = format === 'application/json' ? JSON.parse(text) : text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line))
      assert.deepEqual(keysOf(messages), s.expected)
      const waits = s.emulator.floodControl.counters.waits(HISTORY)
      assert.ok(waits >= 1)
      assert.ok(keepAliveBytes(text) >= 2 * waits, `${keepAliveBytes(text)} keep-alive bytes over ${waits} waits of 40 s`)
      assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)
      const logged = s.service.logText().split('\n').filter((line) => line.includes('Telegram flood wait')).map((line) => JSON.parse(line))
      assert.ok(logged.length >= 1)
      assert.equal(logged[0].level, 30, 'info')
      assert.equal(logged[0].method, HISTORY)
      assert.equal(logged[0].seconds, 40)
    } finally {
      await s.close()
    }
  })
}

/** Reads a body as a careful client does: every complete NDJSON line until the stream ends or breaks. */
async function readLines(response: Response): Promise<{ lines: Array<{ id: number; date: string; peer_id: { channel_id: number } }>; failure: unknown; text: string }> {
  let text = ''
  let failure: unknown = null
  const decoder = new TextDecoder()
  try {
    for await (const chunk of response.body!) text += decoder.decode(chunk, { stream: true })
  } catch (err) {
    failure = err
  }
  // A line is whole once its newline arrived.
  const whole = text.slice(0, text.lastIndexOf('\n') + 1)
  return { lines: whole.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)), failure, text }
}

test('a wait past FLOOD_WAIT_MAX mid-stream aborts the body, and resuming after the last message received gets the rest with no gap and no duplicate', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 4, perSecond: 0.5, penaltySeconds: 60 }], floodWaitMax: 30 })
  try {
    // JSON: the array is never closed and the body does not end.
    const cutJson = await withTimeRunning(s, fetch(`${s.service.url}/messages?${s.query}`))
    assert.equal(cutJson.status, 200)
    await assert.rejects(cutJson.text(), TypeError, 'the body is aborted, not ended')
    s.clock.advance(60_000)

    const cut = await withTimeRunning(s, fetch(`${s.service.url}/messages?${s.query}`, { headers: { accept: 'application/x-ndjson' } }))
    assert.equal(cut.status, 200)
    const first = await withTimeRunning(s, readLines(cut))
    assert.ok(first.failure instanceof TypeError, `the body is aborted: ${String(first.failure)}`)
    assert.ok(first.lines.length > 0 && first.lines.length < s.expected.length, `${first.lines.length} of ${s.expected.length}`)
    assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)

    // The account waits out the wait, then the client resumes after the last message it kept.
    s.clock.advance(60_000)
    const last = first.lines.at(-1)!
    const after = encodeURIComponent(`${last.date},${last.peer_id.channel_id},${last.id}`)
    const rest = await withTimeRunning(s, fetch(`${s.service.url}/messages?${s.query}&after=${after}`, { headers: { accept: 'application/x-ndjson' } }))
    assert.equal(rest.status, 200)
    const second = await withTimeRunning(s, readLines(rest))
    assert.equal(second.failure, null)
    assert.deepEqual([...keysOf(first.lines), ...keysOf(second.lines)], s.expected)
  } finally {
    await s.close()
  }
})

test('a resume cursor with an unencoded "+" or Unix seconds works the same; one that is malformed or outside the window is a 400', async () => {
  const s = await setUp({ channels: 2, perChannel: 100, rates: [] })
  try {
    const all = s.expected
    const [channelId, id] = all[9]!.split(':').map(Number) as [number, number]
    const message = s.emulator.world.channelsById.get(channelId)!.history
    const date = message.dates[message.ids.indexOf(id)]!
    const iso = new Date(date * 1000).toISOString().replace('.000Z', '+00:00')
    for (const after of [`${iso},${channelId},${id}`.replace('+', '%2B'), `${iso},${channelId},${id}`, `${date},${channelId},${id}`]) {
      const response = await fetch(`${s.service.url}/messages?${s.query}&after=${after}`)
      assert.equal(response.status, 200, after)
      assert.deepEqual(keysOf(await response.json()), all.slice(10), after)
    }
    for (const bad of ['yesterday,1,2', `${date},x,2`, `${date},1`, `${NOW + 3600},${channelId},${id}`, `${NOW - SPAN - 100},${channelId},${id}`]) {
      await assertProblem(await fetch(`${s.service.url}/messages?${s.query}&after=${encodeURIComponent(bad)}`), 400, 'BAD_REQUEST')
    }
  } finally {
    await s.close()
  }
})
