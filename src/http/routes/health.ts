import type { FastifyPluginAsync } from 'fastify'
import { healthSchema, type Health, type SinkHealth } from '../schemas/health.ts'
import type { Connector } from '../../connector.ts'
import type { SinkStatus } from '../../live/sinks/delivery-loop.ts'

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
    app.get('/health', { schema: healthSchema }, async () => {
      const { authorized, telegram } = connector.status()
      const health: Health = { status: 'ok' as const, authorized, telegram, sandbox }
      const statuses = sinks?.() ?? []
      if (statuses.length > 0) health.sinks = Object.fromEntries(statuses.map((status) => [status.sink, sinkHealth(status)]))
      return health
    })
  }
}
