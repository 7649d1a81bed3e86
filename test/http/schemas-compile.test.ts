/**
 * The service compiles each route's schemas at its first use (src/http/lazy-schema-compilers.ts),
 * so a schema that cannot compile would only show at that route's first request. Here every
 * route's schemas are compiled up front, with Fastify's compilers and the app's own options, as
 * Fastify does by default: a broken schema fails this test instead of a request.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildApp } from '../../src/app.ts'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { startService } from '../helpers/service.ts'

test('every route’s request and response schemas compile', async (t) => {
  const service = await startService()
  t.after(() => service.close())
  const app = await buildApp({ connector: service.gateway, live: service.live, sandbox: false, metrics: createServiceMetrics(), compileSchemasAtStart: true })
  t.after(() => app.close())
  // Fastify compiles each route's validators and serializers as it readies the app; any failure rejects here.
  await app.ready()
  const routes = [['POST', '/sign_in'], ['GET', '/messages'], ['POST', '/channels'], ['GET', '/health'], ['GET', '/metrics'], ['GET', '/messages/live']] as const
  for (const [method, url] of routes) assert.ok(app.hasRoute({ method, url }), `${method} ${url} is among the routes compiled`)
})
