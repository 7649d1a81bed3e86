import type { FastifyPluginAsync } from 'fastify'
import { healthSchema, type Health, type SinkHealth } from '../schemas/health.ts'
import type { Connector } from '../../telegram/connector.ts'
import type { SinkStatus } from '../../live/sinks/delivery-loop.ts'
import { UNREACHABLE_RETRY_AFTER_SECONDS } from '../telegram-fail-fast.ts'

/** The statuses of the live feed's sinks (webhook, NATS); none configured: an empty list. */
export type SinkStatuses = () => readonly SinkStatus[]

function sinkHealth(status: SinkStatus): SinkHealth {
  return {
    state: status.state !== 'stopped' && status.state !== 'gone' && !status.reachable ? 'unreachable' : status.state,
    pending: status.pending,
    lag_seconds: Math.round(status.lagSeconds * 1000) / 1000,
    delivered: status.delivered,
    refused: status.refused,
    retries: status.retries,
    error: status.lastError,
  }
}

export function healthRoute(connector: Connector, sandbox: boolean, sinks?: SinkStatuses): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { schema: healthSchema }, async (_request, reply) => {
      const { authorized, telegram, unreachable } = connector.status()
      const health: Health = { status: unreachable ? 'degraded' : 'ok', authorized, telegram, sandbox }
      const statuses = sinks?.() ?? []
      if (statuses.length > 0) health.sinks = Object.fromEntries(statuses.map((status) => [status.sink, sinkHealth(status)]))
      // Degraded: the process is alive but cannot serve what needs Telegram (README, GET /health).
      if (unreachable) return reply.code(503).header('retry-after', String(UNREACHABLE_RETRY_AFTER_SECONDS)).send(health)
      return health
    })
  }
}
