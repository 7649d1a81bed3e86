/**
 * GET /metrics in the Prometheus text exposition format (version 0.0.4), and the hook that
 * counts and times every answered request. The hook belongs to the whole application, not to
 * this plugin's own scope: the plugin sets Fastify's `skip-override` symbol, as fastify-plugin
 * does (Fastify guide "Plugins": hooks of an encapsulated plugin see its own routes only).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ServiceMetrics } from '../metrics/service-metrics.ts'

export interface MetricsPluginOptions {
  metrics: ServiceMetrics
}

const metricsSchema = {
  summary: 'Service metrics for Prometheus',
  description: 'Request counts and latencies, Telegram RPCs by method, flood waits, session saves, and Node process metrics, in the Prometheus text format.',
  tags: ['operations'],
  response: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
  },
} as const

export function metricsPlugin({ metrics }: MetricsPluginOptions): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onResponse', async (request, reply) => {
      metrics.recordRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    })
    app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
      const text = await metrics.registry.metrics()
      return reply.type(metrics.registry.contentType).send(text)
    })
  }
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true })
}
