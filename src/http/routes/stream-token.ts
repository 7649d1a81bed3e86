import type { FastifyPluginAsync } from 'fastify'
import { streamTokenSchema } from '../schemas/messages-live.ts'
import type { StreamTokens } from '../stream-token.ts'

/** POST /messages/live/token: a stream token for a browser's EventSource (src/http/stream-token.ts). */
export function streamTokenRoute(tokens: StreamTokens): FastifyPluginAsync {
  return async (app) => {
    app.post('/messages/live/token', { schema: streamTokenSchema }, async (_request, reply) => {
      const { token, expiresAt } = tokens.mint()
      return reply.code(201).header('cache-control', 'no-store').send({ token, expires: new Date(expiresAt).toISOString() })
    })
  }
}
