/**
 * Telegram failing, seen from HTTP (docs/spec.md §3, §4, §6): a long FLOOD_WAIT is a 429 with
 * Retry-After, a short one is waited out; a connection dropped mid-request is recovered or
 * reported cleanly; an unreachable Telegram is a 503 and /health says so; when Telegram comes
 * back (the emulator restarted on the same port with its state) the service recovers by itself.
 * The tests share one emulator and one signed-in service and run in order. Calls have the
 * gateway's default deadline, except while Telegram is lost or away: a short one then, so that
 * a request waiting on a Telegram that is gone ends soon. (A short deadline on every call would
 * race each read against the wall clock, which a loaded machine can lose.)
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { assertProblem } from '../helpers/problem.ts'
import { expectedChannelMessages, isoTime } from '../helpers/world-messages.ts'
import { RecordingClock } from '../helpers/recording-clock.ts'

const NOW = 1_750_000_000
const SPAN = 86_400
const WORLD = { seed: 12, channels: 3, messagesPerChannel: 150, spanSeconds: SPAN, now: NOW }
const PHONE = '+15557004567'
/** The per-call deadline while Telegram is lost or away. */
const CALL_TIMEOUT_MS = 1_500

let emulator: Emulator
let service: Service
let metrics: ServiceMetrics
/** The gateway's per-call deadline now: its default (undefined), or CALL_TIMEOUT_MS during the outage. */
let callTimeoutMs: number | undefined
/** Every wait the gateway asked for, in ms: the flood waits it chose to wait out. */
const clock = new RecordingClock()
const sleeps = clock.sleeps

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  metrics = createServiceMetrics({ processMetrics: false })
  service = await startService({
    sharedEmulator: emulator,
    metrics,
    gateway: { clock },
    callTimeoutMs: () => callTimeoutMs,
  })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const windowQuery = `start_time=${isoTime(NOW - SPAN - 10)}&end_time=${isoTime(NOW)}`
const expectedKeys = (): string[] => expectedChannelMessages(emulator.world, NOW - SPAN - 10, NOW).map((ref) => `${ref.channel.id}:${ref.id}`)

function getMessages(): Promise<Response> {
  return fetch(`${service.url}/messages?${windowQuery}`)
}

interface HealthBody { status: string, authorized: boolean, telegram: string }

async function health(): Promise<HealthBody> {
  return await (await fetch(`${service.url}/health`)).json() as HealthBody
}

/** Reads /health until `predicate` holds, for at most `ms` (a reconnection takes real time). */
async function healthUntil(predicate: (h: HealthBody) => boolean, ms: number): Promise<HealthBody> {
  const deadline = Date.now() + ms
  for (;;) {
    const current = await health()
    if (predicate(current) || Date.now() > deadline) return current
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function assertCompleteMessages(response: Response): Promise<void> {
  assert.equal(response.status, 200)
  const messages = await response.json() as Array<{ id: number, peer_id: { channel_id: number } }>
  assert.deepEqual(messages.map((m) => `${m.peer_id.channel_id}:${m.id}`), expectedKeys())
}

function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? 0 : Number(line.slice(sample.length + 1))
}

test('a FLOOD_WAIT of 300 s on messages.getHistory is 429 with Retry-After: 300, and nothing is waited', async () => {
  emulator.faults.floodWait('messages.getHistory', 300, { times: 1 })
  const response = await getMessages()
  const problem = await assertProblem(response, 429, 'FLOOD_WAIT')
  assert.equal(response.headers.get('retry-after'), '300')
  assert.match(problem.detail, /300/)
  assert.deepEqual(sleeps, [])
  emulator.faults.clear()
  // The account waits those 300 s before its next history read.
  clock.advance(300_000)
})

test('a FLOOD_WAIT of 2 s is waited out and the answer is complete', async () => {
  emulator.faults.floodWait('messages.getHistory', 2, { times: 1 })
  await assertCompleteMessages(await getMessages())
  // The wait, then the calls after it start slowly (flood-pacer.ts).
  assert.equal(sleeps[0], 2000)
  sleeps.length = 0
})

test('RPCs and flood waits are counted by method in GET /metrics', async () => {
  const text = await (await fetch(`${service.url}/metrics`)).text()
  assert.ok(metricValue(text, 'telegram_rpc_calls_total{method="messages.getHistory"}') >= 6)
  // One read of the main list and one of the archive per /messages; the first stopped at its 429.
  assert.equal(metricValue(text, 'telegram_rpc_calls_total{method="messages.getDialogs"}'), 4)
  assert.equal(metricValue(text, 'telegram_rpc_calls_total{method="auth.sendCode"}'), 1)
  assert.equal(metricValue(text, 'telegram_rpc_calls_total{method="auth.signIn"}'), 1)
  assert.equal(metricValue(text, 'telegram_flood_waits_total{method="messages.getHistory"}'), 2)
  assert.equal(metricValue(text, 'telegram_flood_wait_seconds_total{method="messages.getHistory"}'), 302)
  assert.equal(metricValue(text, 'session_saves_total{result="ok"}'), 2, 'the pending sign-in, then the session')
})

test('a connection dropped before the first byte of /messages ends in the complete answer or a clean problem', async () => {
  for (const method of ['messages.getHistory', 'messages.getDialogs']) {
    emulator.faults.dropConnection(method, { times: 1 })
    const response = await getMessages()
    if (response.status === 200) {
      await assertCompleteMessages(response)
    } else {
      const text = await response.text()
      assert.ok(response.status === 502 || response.status === 503, `${method}: ${response.status} ${text}`)
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
    }
    emulator.faults.clear()
  }
  // Either way the link comes back and the next read is whole.
  await assertCompleteMessages(await getMessages())
})

test('Telegram lost mid-stream aborts the body: never a partial 200 that reads as a whole answer', async () => {
  // Slow pages, so the response has started while pages are still to be read.
  emulator.faults.latency('messages.getHistory', 100)
  // mtcute sends a call again on each new connection: the deadline is what ends the read.
  callTimeoutMs = CALL_TIMEOUT_MS
  const response = await getMessages()
  assert.equal(response.status, 200, 'the first messages are out')
  // From now on every history call loses its connection: the read cannot go on.
  emulator.faults.dropConnection('messages.getHistory')
  await assert.rejects(response.text(), (err: unknown) => err instanceof TypeError, 'the body is aborted, not ended')
  emulator.faults.clear()
  callTimeoutMs = undefined
  // The dropped connections are reopened by mtcute on its own schedule; once it is back, the read is whole.
  assert.equal((await healthUntil((h) => h.telegram === 'connected', 10_000)).telegram, 'connected')
  await assertCompleteMessages(await getMessages())
})

let snapshot: ReturnType<Emulator['snapshot']>

test('a request in flight when Telegram goes away fails cleanly with 503 within the call timeout', async () => {
  callTimeoutMs = CALL_TIMEOUT_MS
  // Long enough to stop the emulator meanwhile; short enough not to hold the test process open after it.
  emulator.faults.latency('messages.getDialogs', 2_000)
  const before = emulator.faults.counters.get('messages.getDialogs')
  const started = Date.now()
  const pending = getMessages()
  // Stop Telegram once the request is waiting on it.
  while (emulator.faults.counters.get('messages.getDialogs') === before) await new Promise((resolve) => setTimeout(resolve, 10))
  snapshot = emulator.snapshot()
  await emulator.stop()
  await assertProblem(await pending, 503, 'TELEGRAM_UNAVAILABLE')
  assert.ok(Date.now() - started < CALL_TIMEOUT_MS + 2_000, `took ${Date.now() - started} ms`)
})

test('while Telegram is unreachable, /health is 503 degraded, and requests that need Telegram fail at once with 503 and Retry-After', async () => {
  await assertProblem(await getMessages(), 503, 'TELEGRAM_UNAVAILABLE')
  const status = await healthUntil((h) => h.status === 'degraded', 10_000)
  assert.equal(status.status, 'degraded')
  assert.notEqual(status.telegram, 'connected')
  assert.equal(status.authorized, true, 'an outage is not a sign-out')
  const response = await fetch(`${service.url}/health`)
  assert.equal(response.status, 503)
  assert.equal(response.headers.get('retry-after'), '5')
  const body = await response.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['authorized', 'sandbox', 'status', 'telegram'])
  // Known unreachable: no request waits for its call deadline.
  for (const [path, init] of [['/messages?' + windowQuery, {}], ['/me', {}], ['/channels', {}], ['/sign_out', { method: 'POST' }]] as const) {
    const started = performance.now()
    const answer = await fetch(`${service.url}${path}`, init)
    assert.ok(performance.now() - started < CALL_TIMEOUT_MS / 3, `${path} took ${performance.now() - started} ms`)
    await assertProblem(answer, 503, 'TELEGRAM_UNAVAILABLE')
    assert.equal(answer.headers.get('retry-after'), '5')
  }
  assert.equal((await fetch(`${service.url}/openapi.json`)).status, 200, 'what needs no Telegram is served')
  // A live stream is not refused: EventSource would give up for good on a 503; it waits instead.
  const stream = new AbortController()
  const live = await fetch(`${service.url}/messages/live`, { signal: stream.signal })
  assert.equal(live.status, 200)
  stream.abort()
  await live.body?.cancel().catch(() => {})
  assert.equal(service.gateway.status().authorized, true, 'the sign-out was not attempted')
  // The outage is logged once, by message and errno (which one depends on when the socket went: ECONNRESET, ECONNREFUSED…).
  const outage = service.logText().split('\n').filter((line) => line.includes('Telegram connection error'))
  assert.ok(outage.length >= 1)
  for (const line of outage) {
    const logged = JSON.parse(line) as { error: string, errorCode: string | null }
    assert.ok(logged.error.length > 0)
    assert.ok(logged.errorCode === null || /^E[A-Z]+$/.test(logged.errorCode), `errorCode ${logged.errorCode}`)
    assert.ok(!line.includes('[redacted]'))
  }
})

test('when Telegram is back on the same address the service reconnects by itself and serves again', async () => {
  callTimeoutMs = undefined
  emulator = await startEmulator({ port: emulator.port, snapshot })
  const status = await healthUntil((h) => h.telegram === 'connected', 15_000)
  assert.equal(status.telegram, 'connected')
  assert.equal(status.status, 'ok')
  await assertCompleteMessages(await getMessages())
  assert.equal(service.gateway.status().authorized, true)
})
