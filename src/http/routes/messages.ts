import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { messagesSchema } from '../schemas/messages.ts'
import { parseWindow } from '../time-window.ts'
import { negotiateFormat, openMessageStream } from '../message-stream.ts'
import { badRequest } from '../../errors.ts'
import type { Connector } from '../../connector.ts'

export function messagesRoute(connector: Connector, now: () => number): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/messages', { schema: messagesSchema }, async (request, reply) => {
      const parsed = parseWindow(request.query.start_time, request.query.end_time, now())
      if (!parsed.ok) throw badRequest(`query field "${parsed.field}": ${parsed.reason}`)
      const format = negotiateFormat(request.headers.accept)
      const stream = await openMessageStream(
        connector.channelMessages(parsed.window),
        (message) => connector.serializeMessage(message),
        format,
      )
      return reply
        .type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json; charset=utf-8')
        .send(stream)
    })
  }
}
