import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { messagesSchema } from '../schemas/messages.ts'
import { parseWindow } from '../time-window.ts'
import { negotiateFormat, openMessageStream } from '../message-stream.ts'
import { SKIPPED_CHANNELS_FIELD, skippedChannelsValue } from '../skipped-channels.ts'
import { parseChannelSelection } from '../channel-selection.ts'
import { badRequest } from '../../errors.ts'
import type { Connector, SkippedChannel } from '../../connector.ts'

export function messagesRoute(connector: Connector, now: () => number): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/messages', { schema: messagesSchema }, async (request, reply) => {
      const parsed = parseWindow(request.query.start_time, request.query.end_time, now())
      if (!parsed.ok) throw badRequest(`query field "${parsed.field}": ${parsed.reason}`)
      const channels = parseChannelSelection(request.query.channels)
      const format = negotiateFormat(request.headers.accept)
      const skipped: SkippedChannel[] = []
      const stream = await openMessageStream(
        connector.channelMessages(parsed.window, (channel) => skipped.push(channel), { channels }),
        (message) => connector.serializeMessage(message),
        format,
      )
      // What is known before the first byte goes in a header; the trailer has the whole list.
      if (skipped.length > 0) reply.header(SKIPPED_CHANNELS_FIELD, skippedChannelsValue(skipped))
      reply.trailer(SKIPPED_CHANNELS_FIELD, async () => skippedChannelsValue(skipped))
      return reply
        .type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json; charset=utf-8')
        .send(stream)
    })
  }
}
