import type { FastifyPluginAsync } from 'fastify'
import { healthSchema } from '../schemas/health.ts'
import type { Connector } from '../../connector.ts'

export function healthRoute(connector: Connector, sandbox: boolean): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { schema: healthSchema }, async () => {
      const { authorized, telegram } = connector.status()
      return { status: 'ok' as const, authorized, telegram, sandbox }
    })
  }
}
