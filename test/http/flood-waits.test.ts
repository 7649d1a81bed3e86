/**
 * /messages under the emulator's flood control (docs/spec.md §7), on one manual clock the test moves
 * (test/helpers/flood-read.ts): waits sat through before and after the answer starts, 429 past
 * the threshold, keep-alives, cuts past FLOOD_WAIT_MAX and resuming them.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { RateRule } from '@telegram-connector/emulator/testing'
import { TELEGRAM_LIKE_RATES } from '@telegram-connector/emulator'
import { assertProblem } from '../helpers/problem.ts'
import { HISTORY, NOW, SPAN, setUpFloodRead as setUp, withTimeRunning, type FloodSetup as Setup } from '../helpers/flood-read.ts'

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
    // Each wait met once, by one call of one request (and by the calls in flight as it began).
    assert.equal(metricValue(metrics, `telegram_flood_waits_total{method="${HISTORY}"}`), counters.waits(HISTORY) + counters.callsInFlightAtWait(HISTORY))
    assert.ok(counters.waits(HISTORY) <= 3)
  } finally {
    await s.close()
  }
})

test('a wait longer than FLOOD_WAIT_THRESHOLD (60 s) before the first byte is a 429 with Retry-After, and the next request sends nothing until it is over', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 2, perSecond: 0.01, penaltySeconds: 90 }] })
  try {
    const first = await fetch(`${s.service.url}/messages?${s.query}`)
    await assertProblem(first, 429, 'FLOOD_WAIT')
    assert.equal(first.headers.get('retry-after'), '90')
    const calls = s.emulator.faults.counters.get(HISTORY)

    s.clock.advance(12_000)
    const second = await fetch(`${s.service.url}/messages?${s.query}`)
    await assertProblem(second, 429, 'FLOOD_WAIT')
    assert.equal(second.headers.get('retry-after'), '78')
    assert.equal(s.emulator.faults.counters.get(HISTORY), calls, 'nothing of the method is sent during the wait')
    assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)
  } finally {
    await s.close()
  }
})

test('a wait of up to FLOOD_WAIT_THRESHOLD before the first byte is sat through: 102 Processing every 15 s meanwhile, the log and a Flood-Waits header name it, and the window is whole', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 2, perSecond: 0.5, penaltySeconds: 40 }] })
  try {
    const { status, headers, body, trailers, interim } = await withTimeRunning(s, httpGet(`${s.service.url}/messages?${s.query}`))
    assert.equal(status, 200)
    assert.deepEqual(keysOf(JSON.parse(body)), s.expected)
    assert.match(String(headers['flood-waits']), /^messages\.getHistory;seconds=\d+/)
    assert.ok(interim.length >= 2 && interim.every((code) => code === 102), `interim responses: ${interim.join(', ')}`)
    assert.match(String(trailers['flood-waits']), /messages\.getHistory;seconds=\d+/)
    const held = s.service.logText().split('\n').filter((line) => line.includes('GET /messages waits')).map((line) => JSON.parse(line))
    assert.ok(held.length >= 1)
    assert.equal(held[0].level, 30, 'info')
    assert.equal(held[0].answerStarted, false)
    assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)
  } finally {
    await s.close()
  }
})

/** GET with node:http, which shows interim responses and trailers. */
function httpGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string>; interim: number[] }> {
  const interim: number[] = []
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body, trailers: response.trailers, interim }))
      response.on('error', reject)
    })
    request.on('information', (info) => interim.push(info.statusCode))
    request.on('error', reject)
  })
}

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

test('JSON: a wait past FLOOD_WAIT_MAX mid-stream aborts the body: the array is never closed and the body does not end', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 4, perSecond: 0.5, penaltySeconds: 90 }], floodWaitMax: 30 })
  try {
    const cutJson = await withTimeRunning(s, fetch(`${s.service.url}/messages?${s.query}`))
    assert.equal(cutJson.status, 200)
    await assert.rejects(cutJson.text(), TypeError, 'the body is aborted, not ended')
  } finally {
    await s.close()
  }
})

test('NDJSON: a wait past FLOOD_WAIT_MAX mid-stream aborts the body, and resuming after the last message received gets the rest with no gap and no duplicate', async () => {
  const s = await setUp({ channels: 3, perChannel: 500, rates: [{ method: HISTORY, burst: 4, perSecond: 0.5, penaltySeconds: 90 }], floodWaitMax: 30 })
  try {
    const cut = await withTimeRunning(s, fetch(`${s.service.url}/messages?${s.query}`, { headers: { accept: 'application/x-ndjson' } }))
    assert.equal(cut.status, 200)
    const first = await withTimeRunning(s, readLines(cut))
    assert.ok(first.failure instanceof TypeError, `the body is aborted: ${String(first.failure)}`)
    assert.ok(first.lines.length > 0 && first.lines.length < s.expected.length, `${first.lines.length} of ${s.expected.length}`)
    assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)

    // The account waits out the wait, then the client resumes after the last message it kept.
    s.clock.advance(90_000)
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

test("the sandbox's demo week read three times in a row: the first fits in the burst, the next meet at most one wait, named in Flood-Waits, and are whole", async () => {
  const s = await setUp({ channels: 4, perChannel: 400, rates: [...TELEGRAM_LIKE_RATES], semantics: { earlyCalls: 'ignored' } })
  try {
    const seconds: number[] = []
    for (let read = 0; read < 3; read++) {
      s.emulator.floodControl.counters.reset()
      const startedAt = s.clock.now()
      const response = await withTimeRunning(s, httpGet(`${s.service.url}/messages?${s.query}`))
      seconds.push((s.clock.now() - startedAt) / 1000)
      assert.equal(response.status, 200)
      assert.deepEqual(keysOf(JSON.parse(response.body)), s.expected)
      const waits = s.emulator.floodControl.counters.waits(HISTORY)
      assert.ok(waits <= 1, `read ${read + 1}: ${waits} waits`)
      if (read === 0) assert.equal(waits, 0, 'the first read fits in the burst')
      // The wait the read sat through, before its answer started (header) or after (trailer).
      if (waits > 0) assert.match(`${response.headers['flood-waits'] ?? ''} ${response.trailers['flood-waits'] ?? ''}`, /messages\.getHistory;seconds=/)
      assert.equal(s.emulator.floodControl.counters.callsDuringWait(HISTORY), 0)
    }
    assert.equal(seconds[0], 0)
    assert.ok(seconds[1]! <= 60 && seconds[2]! <= 60, `reads took ${seconds.join(', ')} s`)
  } finally {
    await s.close()
  }
})
