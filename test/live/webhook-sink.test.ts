/**
 * What only the webhook sink shows: a receiver on loopback that fails, is slow, refuses one
 * event and goes away; the signature checked the way docs/live-feed.md tells receivers to; Retry-After
 * and the backoff to the millisecond on a ManualClock; timeouts; a restart in the middle of a
 * delivery; the cursor encrypted beside the session; the secret kept out of the log.
 */
import { afterEach, beforeEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Registry } from 'prom-client'
import { DeliveryLoop } from '../../src/live/sinks/delivery-loop.ts'
import { encodeSinkCursor } from '../../src/live/sinks/sink-cursor.ts'
import { WEBHOOK_CURSOR_OBJECT, WebhookSink } from '../../src/live/sinks/webhook-sink.ts'
import { createSinkMetrics } from '../../src/metrics/sink-metrics.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { pumpClock } from '../helpers/clock-pump.ts'
import { recordingLog } from '../helpers/lease-contract.ts'
import { ListedLiveFeed, interleavedPosts } from '../helpers/listed-live-feed.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { waitUntil } from '../helpers/wait-until.ts'
import { startWebhookReceiver, type WebhookReceiver, type WebhookRequest } from '../helpers/webhook-receiver.ts'

const T0 = Date.UTC(2025, 6, 1, 12, 0, 0)
const SECRET = 'whsec_Qm93kd72Lp0s'
const CHANNELS = [2_000_000_001, 2_000_000_002]

let receiver: WebhookReceiver
let directory: string
let store: FileStore
let clock: ManualClock
const loops: DeliveryLoop[] = []

beforeEach(async () => {
  receiver = await startWebhookReceiver()
  directory = await mkdtemp(join(tmpdir(), 'webhook-'))
  store = new FileStore(join(directory, 'session'))
  clock = new ManualClock(T0)
})
afterEach(async () => {
  for (const loop of loops.splice(0)) await loop.stop()
  await receiver.close()
  await rm(directory, { recursive: true, force: true })
})

function sink(options: { secret?: string, timeoutMs?: number, storeKey?: Buffer | null, url?: string } = {}): WebhookSink {
  return new WebhookSink({ url: options.url ?? receiver.url, secret: options.secret ?? SECRET, timeoutMs: options.timeoutMs ?? 5_000, store, storeKey: options.storeKey ?? null, clock })
}

function start(feed: ListedLiveFeed, extra: Partial<Parameters<typeof DeliveryLoop.start>[0]> = {}): DeliveryLoop {
  const loop = DeliveryLoop.start({ sink: sink(), feed, log: recordingLog(), clock, random: () => 0.5, ...extra })
  loops.push(loop)
  return loop
}

type Verify = (secret: string, header: string, rawBody: string) => boolean

/** The verification examples of docs/live-feed.md, run as a receiver would run them. */
async function readmeVerifiers(): Promise<{ js: Verify, python: Verify | null }> {
  const readme = await readFile(new URL('../../docs/live-feed.md', import.meta.url), 'utf8')
  const block = (language: string, marker: string): string => {
    const start = readme.indexOf(`\`\`\`${language}\n`, readme.indexOf(marker))
    return readme.slice(start + language.length + 4, readme.indexOf('```', start + 3))
  }
  const jsFile = join(directory, 'verify.mjs')
  await writeFile(jsFile, `${block('js', 'Verify it over the raw body')}\nexport { verify }\n`)
  const { verify: js } = await import(pathToFileURL(jsFile).href) as { verify: Verify }
  const pythonFile = join(directory, 'verify.py')
  await writeFile(pythonFile, `${block('python', 'or Python')}\nimport sys\nprint(verify(sys.argv[1].encode(), sys.argv[2], sys.stdin.buffer.read()))\n`)
  const python: Verify = (secret, header, rawBody) => {
    const run = spawnSync('python3', [pythonFile, secret, header], { input: rawBody, encoding: 'utf8' })
    if (run.status !== 0) throw new Error(run.stderr)
    return run.stdout.trim() === 'True'
  }
  const hasPython = spawnSync('python3', ['--version']).status === 0
  return { js, python: hasPython ? python : null }
}

const idsOf = (requests: WebhookRequest[]): string[] => requests.map((request) => request.delivery.id)

test('a receiver that fails, is slow, refuses one event and goes away still gets every other event, in order', async () => {
  const events = interleavedPosts(CHANNELS, 24, T0 / 1000)
  const refusedId = events[9]!.id
  let failures = 3
  receiver.respond = (request) => {
    if (failures > 0) {
      failures--
      return { status: 503 }
    }
    if (request.delivery.id === refusedId) return { status: 400 }
    return { status: 200, delayMs: 15 }
  }
  const registry = new Registry()
  const metrics = createSinkMetrics(registry)
  const log = recordingLog()
  const feed = new ListedLiveFeed(events.slice(0, 16))
  const pump = pumpClock(clock)
  const loop = start(feed, { metrics, log })
  metrics.watch(() => loop.status())
  try {
    await waitUntil(() => receiver.acknowledged().length === 15, 'the first 16 settled')
    await receiver.stop()
    feed.append(...events.slice(16))
    await waitUntil(() => loop.status().lastError === 'ECONNREFUSED' && loop.status().retries >= 6, 'refused connections retried')
    assert.equal(loop.status().reachable, false)
    await receiver.start()
    await waitUntil(() => receiver.acknowledged().length === 23, 'every other event acknowledged')
    await waitUntil(() => loop.status().pending === 0, 'nothing pending')
  } finally {
    pump.stop()
  }
  assert.deepEqual(idsOf(receiver.acknowledged()), events.filter((e) => e.id !== refusedId).map((e) => e.id))
  for (const channel of CHANNELS) {
    const dates = receiver.acknowledged().map((r) => r.delivery).filter((d) => (d.data as { peer_id: { channel_id: number } }).peer_id.channel_id === channel).map((d) => (d.data as { id: number }).id)
    assert.deepEqual(dates, [...dates].sort((a, b) => a - b))
  }
  assert.equal(receiver.requests.filter((r) => r.delivery.id === refusedId).length, 1, 'a refused event is not sent again')
  const status = loop.status()
  assert.equal(status.refused, 1)
  assert.equal(status.delivered, 23)
  assert.ok(status.retries >= 6, `retries counted: ${status.retries}`)
  assert.equal(status.reachable, true)
  const refusal = log.entries.find((entry) => entry.msg?.includes('refused'))
  assert.equal((refusal?.obj as { id?: string }).id, refusedId)
  assert.equal(log.entries.filter((entry) => entry.msg?.includes('retrying')).length, status.retries, 'each retry is logged')
  const text = await registry.metrics()
  assert.match(text, /^sink_events_delivered_total\{sink="webhook"\} 23$/m)
  assert.match(text, /^sink_events_refused_total\{sink="webhook"\} 1$/m)
  assert.match(text, new RegExp(`^sink_delivery_retries_total\\{sink="webhook"\\} ${status.retries}$`, 'm'))
  assert.match(text, /^sink_events_pending\{sink="webhook"\} 0$/m)
  assert.match(text, /^sink_lag_seconds\{sink="webhook"\} 0$/m)
  assert.match(text, /^sink_up\{sink="webhook"\} 1$/m)
})

test('the signature verifies with the secret, as docs/live-feed.md shows, and not with another secret', async () => {
  // The examples compare the timestamp with the real time.
  const now = Math.floor(Date.now() / 1000) * 1000
  clock = new ManualClock(now)
  const events = interleavedPosts(CHANNELS, 3, now / 1000)
  start(new ListedLiveFeed(events))
  await waitUntil(() => receiver.acknowledged().length === 3, 'three delivered')
  const { js, python } = await readmeVerifiers()
  for (const verify of python === null ? [js] : [js, python]) {
    for (const request of receiver.requests) {
      const header = request.headers['x-connector-signature']
      assert.equal(typeof header, 'string')
      assert.match(header as string, /^t=\d+,v1=[0-9a-f]{64}$/)
      assert.equal(verify(SECRET, header as string, request.body), true)
      assert.equal(verify('another secret', header as string, request.body), false)
      assert.equal(verify(SECRET, header as string, request.body.replace('post', 'p0st')), false, 'an altered body')
      assert.equal(verify(SECRET, (header as string).replace(/t=\d+/, `t=${now / 1000 - 3600}`), request.body), false, 'a timestamp other than the signed one')
    }
  }
  // The Standard Webhooks signature, checked by its own library (which also refuses a
  // timestamp more than five minutes from now); webhook-id is the event's id.
  // SECRET is whsec_<base64>: a Standard Webhooks library takes it as it is.
  const standard = new Webhook(SECRET)
  for (const [index, request] of receiver.requests.entries()) {
    const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) }
    assert.deepEqual(standard.verify(request.body, headers), JSON.parse(request.body))
    assert.equal(headers['webhook-id'], events[index]!.eventId)
    assert.throws(() => standard.verify(request.body.replace('post', 'p0st'), headers), WebhookVerificationError)
    assert.throws(() => new Webhook(`whsec_${Buffer.from('another secret').toString('base64')}`).verify(request.body, headers), WebhookVerificationError)
  }
  assert.equal(receiver.requests[0]!.headers['content-type'], 'application/json')
  assert.equal(receiver.requests[0]!.headers['x-connector-signature']!.toString().split(',')[0], `t=${now / 1000}`)
})

test('a 410 from the receiver stops deliveries to it: the loop says gone, and the log says so at error level', async () => {
  const events = interleavedPosts(CHANNELS, 5, T0 / 1000)
  let answers = 0
  receiver.respond = () => (++answers === 3 ? { status: 410 } : { status: 204 })
  const log = recordingLog()
  const loop = start(new ListedLiveFeed(events), { log })
  await waitUntil(() => loop.status().state === 'gone', 'the loop gives up on the gone target')
  assert.equal(receiver.requests.length, 3, 'nothing is sent after the 410')
  assert.deepEqual(idsOf(receiver.acknowledged()), events.slice(0, 2).map((e) => e.id))
  const status = loop.status()
  assert.equal(status.lastError, 'HTTP 410')
  assert.equal(status.delivered, 2)
  const gone = log.entries.find((entry) => entry.level === 'error' && entry.msg?.includes('gone'))
  assert.ok(gone, 'an error line says the target is gone')
  assert.equal((gone.obj as { target?: string }).target, new URL(receiver.url).host)
  await loop.stop()
  assert.equal(loop.status().state, 'gone', 'still gone after a stop')
})

test('a retry waits exactly what Retry-After asks, and otherwise backs off exponentially with jitter', async () => {
  const [event] = interleavedPosts(CHANNELS, 1, T0 / 1000)
  const answers = [{ status: 429, headers: { 'retry-after': '7' } }, { status: 500 }, { status: 502 }, { status: 200 }]
  receiver.respond = () => answers.shift()!
  start(new ListedLiveFeed([event!]))
  const next = async (afterMs: number): Promise<void> => {
    const seen = receiver.requests.length
    await clock.whenSleeping(1)
    clock.advance(afterMs - 1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(receiver.requests.length, seen, `no attempt before ${afterMs} ms`)
    assert.equal(clock.sleeping, 1)
    clock.advance(1)
    await waitUntil(() => receiver.requests.length === seen + 1, `the attempt after ${afterMs} ms`)
  }
  await waitUntil(() => receiver.requests.length === 1, 'the first attempt')
  await next(7_000) // the 429's Retry-After: 7
  await next(1_500) // the second failure: a 2 s step, half fixed, half × the jitter (0.5)
  await next(3_000) // the third: a 4 s step
  await waitUntil(() => receiver.acknowledged().length === 1, 'delivered')
})

test('a receiver that does not answer within the timeout is tried again', async () => {
  const [event] = interleavedPosts(CHANNELS, 1, T0 / 1000)
  let first = true
  receiver.respond = () => {
    if (first) {
      first = false
      return 'hang'
    }
    return { status: 204 }
  }
  const pump = pumpClock(clock)
  const loop = DeliveryLoop.start({ sink: sink({ timeoutMs: 100 }), feed: new ListedLiveFeed([event!]), log: recordingLog(), clock, random: () => 0.5 })
  loops.push(loop)
  try {
    await waitUntil(() => receiver.acknowledged().length === 1, 'delivered on the second attempt')
  } finally {
    pump.stop()
  }
  assert.equal(receiver.requests.length, 2)
  assert.equal(loop.status().retries, 1)
})

test('a restart in the middle of a delivery loses nothing: the next run resumes after the last acknowledged event', async () => {
  const events = interleavedPosts(CHANNELS, 12, T0 / 1000)
  const cut = events[6]!.id
  let hangOnCut = true
  receiver.respond = (request) => {
    if (request.delivery.id === cut && hangOnCut) return 'hang'
    return { status: 200 }
  }
  const feed = new ListedLiveFeed(events)
  const first = start(feed)
  await waitUntil(() => receiver.requests.some((r) => r.delivery.id === cut), 'the seventh delivery is in flight')
  // The process goes away with the seventh event sent but not acknowledged.
  await first.stop()
  assert.equal(await sink().open(), events[5]!.id)
  hangOnCut = false
  start(feed)
  await waitUntil(() => receiver.acknowledged().length === events.length, 'all acknowledged')
  assert.deepEqual(idsOf(receiver.acknowledged()), events.map((e) => e.id))
  assert.deepEqual(feed.subscriptions, ['start:0', events[5]!.id])
  assert.equal(receiver.requests.filter((r) => r.delivery.id === cut).length, 2, 'the unacknowledged event is sent again: at least once')
})

test('the cursor is kept beside the session, encrypted with the session key, and read back only with it', async () => {
  const key = randomBytes(32)
  const events = interleavedPosts(CHANNELS, 3, T0 / 1000)
  const loop = DeliveryLoop.start({ sink: sink({ storeKey: key }), feed: new ListedLiveFeed(events), log: recordingLog(), clock })
  loops.push(loop)
  await waitUntil(() => loop.status().delivered === 3 && loop.status().pending === 0, 'three delivered')
  // A stop finishes the cursor write under way.
  await loop.stop()
  const stored = await readFile(`${store.path}${WEBHOOK_CURSOR_OBJECT}`, 'utf8')
  assert.match(stored, /"alg":"A256GCM"/)
  assert.ok(!stored.includes(events[2]!.id), 'the cursor is not in clear')
  assert.equal(await sink({ storeKey: key }).open(), events[2]!.id)
  await assert.rejects(sink({ storeKey: randomBytes(32) }).open(), (err: unknown) => err instanceof SessionStoreError && err.code === 'SESSION_KEY_MISMATCH')
  await assert.rejects(sink({ storeKey: null }).open(), (err: unknown) => err instanceof SessionStoreError && err.code === 'SESSION_KEY_REQUIRED')
})

test('credentials in WEBHOOK_URL become Basic authentication, and neither they nor the secret are logged', async () => {
  const log = recordingLog()
  const url = receiver.url.replace('http://', 'http://hook-user:p%40ss-Zk81@')
  receiver.respond = (request) => (request.index < 2 ? { status: 500 } : request.index === 2 ? { status: 404 } : { status: 200 })
  const pump = pumpClock(clock)
  const loop = DeliveryLoop.start({ sink: sink({ url }), feed: new ListedLiveFeed(interleavedPosts(CHANNELS, 3, T0 / 1000)), log, clock })
  loops.push(loop)
  try {
    await waitUntil(() => receiver.acknowledged().length === 2, 'delivered')
  } finally {
    pump.stop()
  }
  assert.equal(receiver.requests[0]!.headers.authorization, `Basic ${Buffer.from('hook-user:p@ss-Zk81').toString('base64')}`)
  const logged = JSON.stringify(log.entries)
  for (const secret of [SECRET, 'p%40ss-Zk81', 'p@ss-Zk81', 'hook-user']) assert.ok(!logged.includes(secret), `${secret} logged`)
})

test('a saved cursor the feed does not know is said at error level, and delivery starts with new events', async () => {
  await store.write(WEBHOOK_CURSOR_OBJECT, encodeSinkCursor(null, 'a cursor of another feed'))
  const events = interleavedPosts(CHANNELS, 3, T0 / 1000)
  const feed = new ListedLiveFeed(events)
  const log = recordingLog()
  start(feed, { log })
  await waitUntil(() => receiver.acknowledged().length === 3, 'delivered')
  assert.deepEqual(feed.subscriptions, ['a cursor of another feed', 'start:0'])
  assert.ok(log.entries.some((entry) => entry.level === 'error' && entry.msg?.includes('cannot resume')))
})

test('acknowledgements that come while the cursor is being written are folded into one write of the latest', async () => {
  const events = interleavedPosts(CHANNELS, 10, T0 / 1000)
  const written: string[] = []
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => { open = resolve })
  // The session store, with its first write after the sink's start record held until the test lets it through.
  const slow = {
    read: (name?: string) => store.read(name),
    remove: (name: string) => store.remove(name),
    describe: () => store.describe(),
    async write(name: string, data: Buffer) {
      if (written.length === 1) await gate
      written.push(name)
      await store.write(name, data)
    },
  }
  const loop = DeliveryLoop.start({ sink: new WebhookSink({ url: receiver.url, secret: SECRET, timeoutMs: 5_000, store: slow, storeKey: null, clock }), feed: new ListedLiveFeed(events), log: recordingLog(), clock })
  loops.push(loop)
  // The receiver's answer to the last event is out before the loop has read it: wait for the
  // loop to have counted the tenth delivery, when it has also committed it (the same step).
  await waitUntil(() => receiver.acknowledged().length === 10 && loop.status().delivered === 10, 'all acknowledged while the first write waits')
  open()
  await loop.stop()
  assert.deepEqual(written, [WEBHOOK_CURSOR_OBJECT, WEBHOOK_CURSOR_OBJECT, WEBHOOK_CURSOR_OBJECT], 'the start, the first cursor, then the latest')
  assert.equal(await sink().open(), events[9]!.id)
})
