import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { messagesSchema } from '../schemas/messages.ts'
import { parseWindow } from '../../core/time-window.ts'
import { negotiateFormat, openMessageStream } from '../message-stream.ts'
import { SKIPPED_CHANNELS_FIELD, skippedChannelsValue } from '../skipped-channels.ts'
import { FLOOD_WAITS_FIELD, floodWaitsValue } from '../flood-waits-field.ts'
import type { HeldWait } from '../../telegram/calls/flood-gate.ts'
import { parseChannelSelection } from '../channel-selection.ts'
import { parseResumeCursor } from '../resume-cursor.ts'
import { badRequest } from '../../core/errors.ts'
import type { Connector, SkippedChannel } from '../../telegram/connector.ts'
import type { Clock } from '../../core/clock.ts'
import type { MessageCursor } from '../../telegram/history/message-cursor.ts'

/** The first `count` items; the source is closed (its reads stop) once they are taken. */
async function* firstItems<T>(source: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  let taken = 0
  for await (const item of source) {
    yield item
    if (++taken >= count) return
  }
}

export function messagesRoute(connector: Connector, now: () => number, clock?: Clock): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/messages', { schema: messagesSchema }, async (request, reply) => {
      const parsed = parseWindow(request.query.start_time, request.query.end_time, now())
      if (!parsed.ok) throw badRequest(`query field "${parsed.field}": ${parsed.reason}`)
      const channels = parseChannelSelection(request.query.channels)
      let after: MessageCursor | undefined
      if (request.query.after !== undefined) {
        const cursor = parseResumeCursor(request.query.after)
        if (!cursor.ok) throw badRequest(`query field "after": ${cursor.reason}`)
        const ms = cursor.cursor.date * 1000
        if (ms <= parsed.window.startMs || ms > parsed.window.endMs) throw badRequest('query field "after": the message it names is outside the window')
        after = cursor.cursor
      }
      const format = negotiateFormat(request.headers.accept)
      const skipped: SkippedChannel[] = []
      // The read stops, flood waits included, when the client goes away before the end.
      const gone = new AbortController()
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort(new Error('the client closed the connection'))
      })
      let started = false
      // The flood waits the read sits through: logged, and named on the response (flood-waits-field.ts).
      const waits: HeldWait[] = []
      const onWait = (wait: HeldWait): void => {
        waits.push(wait)
        request.log.info({ method: wait.method, seconds: wait.seconds, answerStarted: started }, `GET /messages waits ${wait.seconds} s: Telegram allows no ${wait.method} until then`)
      }
      const messages = connector.channelMessages(parsed.window, (channel) => skipped.push(channel), { channels }, {
        started: () => started,
        signal: gone.signal,
        onWait,
        ...(after ? { after } : {}),
      })
      const stream = await openMessageStream(
        request.query.limit === undefined ? messages : firstItems(messages, request.query.limit),
        (message) => connector.serializeMessage(message),
        format,
        // A wait sat through before answering: 102 Processing keeps the connection meanwhile.
        { clock, beforeFirst: () => reply.raw.writeProcessing() },
      )
      // What is known before the first byte goes in a header; the trailer has the whole list.
      if (skipped.length > 0) reply.header(SKIPPED_CHANNELS_FIELD, skippedChannelsValue(skipped))
      reply.trailer(SKIPPED_CHANNELS_FIELD, async () => skippedChannelsValue(skipped))
      if (waits.length > 0) reply.header(FLOOD_WAITS_FIELD, floodWaitsValue(waits))
      reply.trailer(FLOOD_WAITS_FIELD, async () => floodWaitsValue(waits))
      // From here on the answer is a 200: longer flood waits are sat through (docs/spec.md §7).
      started = true
      return reply
        .type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json; charset=utf-8')
        .send(stream)
    })
  }
}
