import { test } from 'node:test'
import assert from 'node:assert/strict'
import { text } from 'node:stream/consumers'
import { negotiateFormat, openMessageStream } from '../../src/http/message-stream.ts'
import { ManualClock } from '../helpers/manual-clock.ts'

async function* numbers(n: number, log: string[]): AsyncGenerator<{ n: number }> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`yield ${i}`)
      yield { n: i }
    }
  } finally {
    log.push('closed')
  }
}

test('messages stream as one JSON array, and an empty window is []', async () => {
  const log: string[] = []
  const stream = await openMessageStream(numbers(3, log), (m) => JSON.stringify(m), 'json')
  assert.equal(await text(stream), '[{"n":0},{"n":1},{"n":2}]')
  assert.equal(await text(await openMessageStream(numbers(0, []), (m) => JSON.stringify(m), 'json')), '[]')
})

test('NDJSON writes one message per line', async () => {
  const stream = await openMessageStream(numbers(2, []), (m) => JSON.stringify(m), 'ndjson')
  assert.equal(await text(stream), '{"n":0}\n{"n":1}\n')
})

test('the first message is fetched before the response starts, so its error surfaces as a rejection', async () => {
  async function* failing(): AsyncGenerator<never> {
    throw new Error('not signed in')
  }
  await assert.rejects(openMessageStream(failing(), String, 'json'), /not signed in/)
})

test('a consumer that goes away closes the producer instead of reading the whole window', async () => {
  const log: string[] = []
  const stream = await openMessageStream(numbers(1_000_000, log), (m) => JSON.stringify(m), 'json')
  for await (const chunk of stream) {
    if (String(chunk).includes('"n":2')) break
  }
  assert.ok(log.includes('closed'))
  assert.ok(log.length < 100, `producer ran ahead: ${log.length} entries`)
})

test('Accept negotiation picks NDJSON only when asked for', () => {
  assert.equal(negotiateFormat(undefined), 'json')
  assert.equal(negotiateFormat('application/json'), 'json')
  assert.equal(negotiateFormat('application/x-ndjson'), 'ndjson')
  assert.equal(negotiateFormat('text/html, application/x-ndjson;q=0.9'), 'ndjson')
})

/** A source whose items arrive when the test says so. */
function controlled(): { source: AsyncGenerator<{ n: number }>; give(n: number): void; fail(err: Error): void; end(): void } {
  const queue: Array<(r: IteratorResult<{ n: number }> | Error) => void> = []
  const next = (): Promise<IteratorResult<{ n: number }> | Error> => new Promise((resolve) => queue.push(resolve))
  async function* source(): AsyncGenerator<{ n: number }> {
    for (;;) {
      const got = await next()
      if (got instanceof Error) throw got
      if (got.done) return
      yield got.value
    }
  }
  const settle = (value: IteratorResult<{ n: number }> | Error): void => {
    const waiter = queue.shift()
    if (waiter === undefined) throw new Error('nothing is waiting for an item')
    waiter(value)
  }
  return { source: source(), give: (n) => settle({ done: false, value: { n } }), fail: (err) => settle(err), end: () => settle({ done: true, value: undefined }) }
}

/** Everything the stream has produced so far, without waiting for its end. */
function collector(stream: NodeJS.ReadableStream): { text(): string; ended: Promise<string> } {
  let text = ''
  stream.on('data', (chunk) => (text += String(chunk)))
  const ended = new Promise<string>((resolve, reject) => {
    stream.on('end', () => resolve(text))
    stream.on('error', reject)
  })
  return { text: () => text, ended }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

for (const format of ['json', 'ndjson'] as const) {
  test(`${format}: while the next message is awaited, a space is written every 15 s and the answer still parses`, async () => {
    const clock = new ManualClock(1_750_000_000_000)
    const feed = controlled()
    const opening = openMessageStream(feed.source, (m) => JSON.stringify(m), format, { clock })
    await tick()
    feed.give(0)
    const out = collector(await opening)
    await tick()
    clock.advance(14_999)
    await tick()
    assert.doesNotMatch(out.text(), / /)
    clock.advance(1)
    await tick()
    clock.advance(15_000)
    await tick()
    assert.equal(out.text().split(' ').length - 1, 2)
    feed.give(1)
    await tick()
    feed.end()
    const body = await out.ended
    const parsed = format === 'json' ? JSON.parse(body) : body.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line))
    assert.deepEqual(parsed, [{ n: 0 }, { n: 1 }])
    if (format === 'ndjson') assert.equal(body, '{"n":0}  \n{"n":1}\n')
    else assert.equal(body, '[{"n":0}  ,{"n":1}]')
    assert.equal(clock.sleeping, 0, 'the keep-alive timer stops with the stream')
  })

  test(`${format}: a failure after the first message destroys the stream with it; the answer is never closed`, async () => {
    const feed = controlled()
    const opening = openMessageStream(feed.source, (m) => JSON.stringify(m), format)
    await tick()
    feed.give(0)
    const stream = await opening
    const out = collector(stream)
    await tick()
    feed.give(1)
    await tick()
    feed.fail(new Error('Telegram asks to wait 900 seconds'))
    await assert.rejects(out.ended, /900 seconds/)
    assert.equal(stream.destroyed, true)
    assert.doesNotMatch(out.text(), /\]$/)
    assert.doesNotMatch(out.text(), /\n$/)
  })
}
