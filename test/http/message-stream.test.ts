import { test } from 'node:test'
import assert from 'node:assert/strict'
import { text } from 'node:stream/consumers'
import { negotiateFormat, openMessageStream } from '../../src/http/message-stream.ts'

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
