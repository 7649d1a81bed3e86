/**
 * GET /messages when Telegram refuses one channel it listed (docs/spec.md §4: one bad channel does not
 * sink the window): CHANNEL_PRIVATE (banned since) or CHANNEL_INVALID on its history, or a
 * channel the dialog list describes only as a min channel (no access_hash). That channel is
 * left out, logged with its id and counted in GET /metrics; the body keeps the Python service's
 * JSON shape, and the response names the channel in a `Skipped-Channels` header (known before
 * the first byte) and trailer (the whole list, read here with node:http's `res.trailers`).
 * The tests share one emulator and one signed-in service and run in order.
 */
import { after, before, beforeEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { get, type IncomingHttpHeaders } from 'node:http'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { WorldChannel } from '@telegram-connector/emulator/testing'
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedChannelMessages, isoTime, messageKey } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 86_400
const AFTER = NOW - SPAN - 10
/** Seven channels of 250 messages (a page is 100), and one that getDialogs gives only as a min channel. */
const WORLD = { seed: 21, channels: 7, messagesPerChannel: 250, spanSeconds: SPAN, now: NOW, minChannels: 1 }
const PHONE = '+15556200002'

let emulator: Emulator
let service: Service
let metrics: ServiceMetrics

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  metrics = createServiceMetrics({ processMetrics: false })
  service = await startService({ sharedEmulator: emulator, metrics })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})
beforeEach(() => emulator.refusals.clear())

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
  trailers: NodeJS.Dict<string>
}

/** GET /messages over the whole span with node:http, which hands over the trailers at the end. */
function getMessages(accept?: string): Promise<Answer> {
  const url = `${service.url}/messages?start_time=${isoTime(AFTER)}&end_time=${isoTime(NOW)}`
  return new Promise((resolve, reject) => {
    get(url, { headers: accept === undefined ? {} : { accept } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, trailers: res.trailers }))
      res.on('error', reject)
      res.on('aborted', () => reject(new Error(`the response was cut after ${body.length} bytes`)))
    }).on('error', reject)
  })
}

const minChannel = (): WorldChannel => emulator.world.channels.find((c) => c.dialog.min)!
/** The readable channels in the order the service opens them: newest top message first. */
const readable = (): WorldChannel[] =>
  emulator.world.channels
    .filter((c) => c.memberByDefault && !c.dialog.min)
    .sort((a, b) => b.history.topDate - a.history.topDate || a.id - b.id)

/** The whole window's keys without the channels named, and with only these ids of the partly read one. */
function expectedKeys(without: readonly WorldChannel[], partly?: { channel: WorldChannel; ids: Set<number> }): string[] {
  return expectedChannelMessages(emulator.world, AFTER, NOW)
    .filter((ref) => !without.includes(ref.channel) && !ref.channel.dialog.min)
    .filter((ref) => partly === undefined || ref.channel !== partly.channel || partly.ids.has(ref.id))
    .map((ref) => messageKey(ref.channel.id, ref.id))
}

const jsonKeys = (body: string): string[] =>
  (JSON.parse(body) as Array<{ id: number; peer_id: { channel_id: number } }>).map((m) => messageKey(m.peer_id.channel_id, m.id))
const ndjsonKeys = (body: string): string[] => jsonKeys(`[${body.trim().split('\n').join(',')}]`)

function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? Number.NaN : Number(line.slice(sample.length + 1))
}

test('with nothing refused the body is the whole window, a Skipped-Channels header names the min channel, the trailer the same', async () => {
  const answer = await getMessages()
  assert.equal(answer.status, 200, answer.body)
  assert.deepEqual(jsonKeys(answer.body), expectedKeys([]))
  assert.equal(answer.headers['skipped-channels'], `${minChannel().id};reason=no_access_hash`)
  assert.equal(answer.headers.trailer, 'skipped-channels')
  assert.equal(answer.trailers['skipped-channels'], `${minChannel().id};reason=no_access_hash`)
})

test('a channel refused with CHANNEL_PRIVATE before the first byte is left out: 200 with the rest whole, named in header and trailer', async () => {
  const banned = readable()[0]
  emulator.refusals.refuse(banned.id, 'CHANNEL_PRIVATE')
  const answer = await getMessages()
  assert.equal(answer.status, 200, answer.body)
  assert.deepEqual(jsonKeys(answer.body), expectedKeys([banned]))
  const named = `${minChannel().id};reason=no_access_hash, ${banned.id};reason=channel_private`
  assert.equal(answer.headers['skipped-channels'], named)
  assert.equal(answer.trailers['skipped-channels'], named)
  assert.match(service.logText(), new RegExp(`"level":40[^\\n]*"channelId":${banned.id}[^\\n]*"reason":"channel_private"`))
})

test('a channel refused with CHANNEL_INVALID mid-stream is named in the trailer only, in JSON and in NDJSON', async () => {
  // The channel with the oldest top message is opened only once the merge has come down to it.
  const gone = readable().at(-1)!
  for (const accept of [undefined, 'application/x-ndjson']) {
    emulator.refusals.refuse(gone.id, 'CHANNEL_INVALID')
    const answer = await getMessages(accept)
    assert.equal(answer.status, 200, answer.body)
    assert.deepEqual(accept === undefined ? jsonKeys(answer.body) : ndjsonKeys(answer.body), expectedKeys([gone]), `${accept}`)
    assert.equal(answer.headers['skipped-channels'], `${minChannel().id};reason=no_access_hash`, 'the header was sent before the refusal')
    assert.equal(answer.trailers['skipped-channels'], `${minChannel().id};reason=no_access_hash, ${gone.id};reason=channel_invalid`)
  }
})

test('a channel refused after its first page keeps what was read and is named in the trailer', async () => {
  const banned = readable().at(-1)!
  emulator.refusals.refuse(banned.id, 'CHANNEL_PRIVATE', { afterCalls: 1 })
  const answer = await getMessages('application/x-ndjson')
  assert.equal(answer.status, 200, answer.body)
  // Its first page: the 100 newest messages up to the window's end (service messages included).
  const history = banned.history
  const end = history.upperBoundDate(NOW)
  const firstPage = new Set(Array.from(history.ids.subarray(Math.max(0, end - 100), end)))
  assert.deepEqual(ndjsonKeys(answer.body), expectedKeys([], { channel: banned, ids: firstPage }))
  assert.equal(answer.trailers['skipped-channels'], `${minChannel().id};reason=no_access_hash, ${banned.id};reason=channel_private`)
})

test('skipped channels are counted by reason in GET /metrics', async () => {
  const text = await (await fetch(`${service.url}/metrics`)).text()
  // One min channel in each of the five answers above; one banned channel twice, one gone channel twice.
  assert.equal(metricValue(text, 'telegram_channels_skipped_total{reason="no_access_hash"}'), 5)
  assert.equal(metricValue(text, 'telegram_channels_skipped_total{reason="channel_private"}'), 2)
  assert.equal(metricValue(text, 'telegram_channels_skipped_total{reason="channel_invalid"}'), 2)
})
