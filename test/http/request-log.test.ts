/**
 * The log as an operator reads it: one line per request, when it is answered (info; /health and
 * /metrics at debug), a refusal's code in that line; errors by class, message and code, never a
 * DOMException's constants, an errno as itself rather than redacted.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { errorSummary, loggerOptions } from '../../src/core/logger.ts'
import { startService, signInWithCode, type Service } from '../helpers/service.ts'
import { waitUntil } from '../helpers/wait-until.ts'

let service: Service

before(async () => {
  service = await startService({ metrics: createServiceMetrics({ processMetrics: false }) })
})
after(async () => {
  await service?.close()
})

interface Line { level: number, msg: string, reqId?: string, req?: { url: string }, res?: { statusCode: number }, code?: string }
const lines = (): Line[] => service.logText().split('\n').filter((text) => text !== '').map((text) => JSON.parse(text) as Line)

test('each request is one line when it is answered: info, with its status and a refusal\'s code; probes at debug', async () => {
  const before = lines().length
  await fetch(`${service.url}/me`)
  await fetch(`${service.url}/health`)
  await fetch(`${service.url}/metrics`)
  await fetch(`${service.url}/messages?start_time=yesterday`)
  const logged = lines().slice(before).filter((line) => line.reqId !== undefined)
  assert.equal(new Set(logged.map((line) => line.reqId)).size, 4)
  assert.equal(logged.filter((line) => line.msg === 'request completed').length, 4, 'one line each')
  const info = logged.filter((line) => line.level === 30)
  assert.deepEqual(info.map((line) => [line.msg, line.req?.url, line.res?.statusCode, line.code]), [
    ['request completed', '/me', 401, 'NOT_SIGNED_IN'],
    ['request completed', '/messages?start_time=yesterday', 400, 'BAD_REQUEST'],
  ])
  assert.deepEqual(logged.filter((line) => line.msg === 'request completed' && line.level === 20).map((line) => line.req?.url), ['/health', '/metrics'])
  assert.ok(logged.filter((line) => line.msg === 'incoming request').every((line) => line.level === 20), 'a request coming in is at debug')
})

test('a live stream the client leaves is one line too, written when it goes', async () => {
  await signInWithCode(service.url, service.emulator, '+15557009999')
  const before = lines().length
  const stream = new AbortController()
  const response = await fetch(`${service.url}/messages/live`, { signal: stream.signal })
  assert.equal(response.status, 200)
  stream.abort()
  await response.body?.cancel().catch(() => {})
  await waitUntil(() => lines().slice(before).some((line) => line.msg === 'request completed' && line.req?.url === '/messages/live'), 'the stream\'s line')
  const logged = lines().slice(before).filter((line) => line.req?.url === '/messages/live' && line.level === 30)
  assert.deepEqual(logged.map((line) => [line.msg, line.res?.statusCode]), [['request completed', 200]])
})

test('an error is logged by class, message, code and cause: no DOMException constants, ECONNREFUSED as itself', () => {
  const text: string[] = []
  const log = pino(loggerOptions('info'), new Writable({ write(chunk, _encoding, done) { text.push(String(chunk)); done() } }))
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' })
  log.error({ err: new Error('Telegram cannot be reached', { cause: refused }) }, 'failed')
  log.error({ err: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }, 'timed out')
  const [first, second] = text.map((line) => JSON.parse(line) as { err: Record<string, unknown> })
  assert.equal((first!.err.cause as { errorCode: string }).errorCode, 'ECONNREFUSED')
  assert.deepEqual(Object.keys(second!.err).sort(), ['message', 'stack', 'type'])
  assert.equal(second!.err.type, 'TimeoutError')
  assert.ok(!text[1]!.includes('INDEX_SIZE_ERR'))
  assert.deepEqual(Object.keys(errorSummary('text')), ['type', 'message'])
})
