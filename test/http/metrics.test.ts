import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { badRequest } from '../../src/core/errors.ts'
import { metricsPlugin } from '../../src/http/metrics-plugin.ts'
import { registerProblemHandlers } from '../../src/http/problem-handler.ts'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import type { ServiceMetrics } from '../../src/metrics/service-metrics.ts'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus text exposition (format 0.0.4): `name{label="value",...} number`. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(match, `not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return samples
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))?.value
}

async function scrape(app: FastifyInstance): Promise<Sample[]> {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(response.statusCode, 200)
  return parseExposition(response.body)
}

async function buildTestApp(metrics: ServiceMetrics): Promise<FastifyInstance> {
  const app = Fastify()
  registerProblemHandlers(app)
  app.get('/before', async () => ({ ok: true }))
  await app.register(metricsPlugin({ metrics }))
  app.get('/items/:id', async () => ({ ok: true }))
  app.get('/bad', async () => {
    throw badRequest('no')
  })
  await app.register(async (child) => {
    child.get('/nested', async () => 'nested')
  }, { prefix: '/child' })
  return app
}

describe('GET /metrics', () => {
  test('answers in the Prometheus text format 0.0.4', async () => {
    const app = await buildTestApp(createServiceMetrics({ processMetrics: false }))
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
    assert.match(response.body, /^# HELP http_requests_total HTTP requests answered, by method, route pattern and status code\.\n# TYPE http_requests_total counter\n/m)
    assert.match(response.body, /^# TYPE http_request_duration_seconds histogram$/m)
    await app.close()
  })

  test('counts every answered request by method, route pattern and status, wherever the route was registered', async () => {
    const app = await buildTestApp(createServiceMetrics({ processMetrics: false }))
    for (const url of ['/before', '/items/1', '/items/2', '/bad', '/child/nested', '/no/such/path']) {
      await app.inject({ method: 'GET', url })
    }
    await app.inject({ method: 'POST', url: '/items/3' })
    const samples = await scrape(app)
    const requests = (route: string, status: string, method = 'GET'): number | undefined =>
      value(samples, 'http_requests_total', { method, route, status_code: status })
    assert.equal(requests('/before', '200'), 1)
    assert.equal(requests('/items/:id', '200'), 2, 'the route pattern, not the path, so ids do not become series')
    assert.equal(requests('/bad', '400'), 1)
    assert.equal(requests('/child/nested', '200'), 1)
    assert.equal(requests('unmatched', '404'), 1)
    assert.equal(requests('unmatched', '404', 'POST'), 1)
    assert.equal(samples.filter((sample) => sample.name === 'http_requests_total').length, 6)
    await app.close()
  })

  test('times requests in a histogram whose count matches the requests', async () => {
    const app = await buildTestApp(createServiceMetrics({ processMetrics: false }))
    await app.inject({ method: 'GET', url: '/items/1' })
    await app.inject({ method: 'GET', url: '/items/2' })
    const samples = await scrape(app)
    const labels = { method: 'GET', route: '/items/:id', status_code: '200' }
    assert.equal(value(samples, 'http_request_duration_seconds_count', labels), 2)
    assert.equal(value(samples, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2)
    assert.equal(value(samples, 'http_request_duration_seconds_bucket', { ...labels, le: '60' }), 2)
    const sum = value(samples, 'http_request_duration_seconds_sum', labels)
    assert.ok(sum !== undefined && sum >= 0 && sum < 60, `sum ${sum}`)
    await app.close()
  })

  test('reports Telegram RPCs and flood waits by method, and session saves by result', async () => {
    const metrics = createServiceMetrics({ processMetrics: false })
    const app = await buildTestApp(metrics)
    let samples = await scrape(app)
    assert.equal(value(samples, 'session_saves_total', { result: 'ok' }), 0, 'both results are there from the start')
    assert.equal(value(samples, 'session_saves_total', { result: 'failed' }), 0)
    metrics.recordRpc('messages.getHistory')
    metrics.recordRpc('messages.getHistory')
    metrics.recordRpc('auth.sendCode')
    metrics.recordFloodWait('messages.getHistory', 7)
    metrics.recordFloodWait('messages.getHistory', 3)
    metrics.recordSessionSave('ok')
    metrics.recordSessionSave('ok')
    metrics.recordSessionSave('failed')
    samples = await scrape(app)
    assert.equal(value(samples, 'telegram_rpc_calls_total', { method: 'messages.getHistory' }), 2)
    assert.equal(value(samples, 'telegram_rpc_calls_total', { method: 'auth.sendCode' }), 1)
    assert.equal(value(samples, 'telegram_flood_waits_total', { method: 'messages.getHistory' }), 2)
    assert.equal(value(samples, 'telegram_flood_wait_seconds_total', { method: 'messages.getHistory' }), 10)
    assert.equal(value(samples, 'session_saves_total', { result: 'ok' }), 2)
    assert.equal(value(samples, 'session_saves_total', { result: 'failed' }), 1)
    await app.close()
  })

  test('includes Node process metrics unless turned off', async () => {
    const withProcess = await buildTestApp(createServiceMetrics())
    assert.ok((await scrape(withProcess)).some((sample) => sample.name === 'process_resident_memory_bytes' || sample.name === 'nodejs_heap_size_used_bytes'))
    await withProcess.close()
    const without = await buildTestApp(createServiceMetrics({ processMetrics: false }))
    assert.ok(!(await scrape(without)).some((sample) => sample.name.startsWith('nodejs_')))
    await without.close()
  })

  test('two services in one process keep separate registries', async () => {
    const first = createServiceMetrics({ processMetrics: false })
    const second = createServiceMetrics({ processMetrics: false })
    first.recordRpc('help.getConfig')
    assert.match(await first.registry.metrics(), /telegram_rpc_calls_total\{method="help.getConfig"\} 1/)
    assert.doesNotMatch(await second.registry.metrics(), /help\.getConfig/)
  })

  test('is documented in the OpenAPI document as a text/plain response', async () => {
    const app = Fastify()
    await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 't', version: '1' } } })
    await app.register(metricsPlugin({ metrics: createServiceMetrics({ processMetrics: false }) }))
    await app.ready()
    const document = app.swagger() as { paths: Record<string, { get: { responses: Record<string, { content?: Record<string, unknown> }> } }> }
    assert.deepEqual(Object.keys(document.paths['/metrics']!.get.responses['200']!.content ?? {}), ['text/plain'])
    await app.close()
  })
})
