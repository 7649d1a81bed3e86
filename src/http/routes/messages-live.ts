/**
 * GET /messages/live: the live feed as Server-Sent Events. Input is checked (and the feed
 * subscribed) before the response starts, so a bad cursor or time is still a 400 problem and
 * a service that is not signed in a 401; after that a failure (Telegram unreachable, a long
 * flood wait during catch-up) can only end the stream, with a comment saying why, and
 * EventSource reconnects with its Last-Event-ID. When the login ends (signed out, revoked) the
 * stream says so with an `end` event, then closes.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Connector } from '../../telegram/connector.ts'
import { badRequest, notSignedIn, toAppError } from '../../core/errors.ts'
import { errnoOf } from '../../core/logger.ts'
import type { LiveFeed } from '../../live/live-feed.ts'
import type { Clock } from '../../core/clock.ts'
import { parseChannelSelection } from '../channel-selection.ts'
import { liveSchema } from '../schemas/messages-live.ts'
import { writeSse } from '../sse-stream.ts'
import { parseTime } from '../../core/time-window.ts'

/** At least every 15 s something is written, so proxies and clients see a live connection. */
export const HEARTBEAT_MS = 15_000
const RETRY_MS = 2_000

/** The stream's last frame when the login ended: `event: end` with the reason. */
export function endFrame(reason: 'signed_out' | 'revoked'): string {
  const detail = reason === 'signed_out' ? 'The account was signed out (POST /sign_out).' : 'Telegram revoked the login.'
  return `event: end\ndata: ${JSON.stringify({ reason, detail })}\n\n`
}

export interface LiveRouteOptions {
  connector: Connector
  feed: LiveFeed
  clock: Pick<Clock, 'sleep'>
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
}

export function messagesLiveRoute(options: LiveRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().get('/messages/live', { schema: liveSchema }, async (request, reply) => {
      const header = request.headers['last-event-id']
      const after = (typeof header === 'string' && header !== '' ? header : undefined) ?? request.query.last_event_id ?? null
      let since: number | null = null
      if (request.query.start_time !== undefined) {
        const parsed = parseTime(request.query.start_time)
        if (!parsed.ok) throw badRequest(`query field "start_time": ${parsed.reason}`)
        since = Math.floor(parsed.ms / 1000)
      }
      const names = parseChannelSelection(request.query.channels)
      if (!options.connector.status().authorized) throw notSignedIn()
      // Names become ids before the stream starts, so one the account is not in is still a 404.
      const channels = names === undefined ? null : await options.connector.channelIds(names)
      const subscription = options.feed.subscribe({ after, since, channels })

      const abort = new AbortController()
      reply.hijack()
      const response = reply.raw
      response.on('close', () => {
        abort.abort()
        subscription.close()
        // A stream the client left never finishes, so Fastify writes no line for it: this is its one line.
        if (!response.writableFinished) request.log.info({ req: request, res: reply, responseTime: Math.round(reply.elapsedTime) }, 'request completed')
      })
      response.writeHead(200, {
        // What hooks set before the hijack (CORS) goes out too.
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // nginx and similar proxies otherwise buffer the stream.
        'x-accel-buffering': 'no',
      })
      response.flushHeaders()
      const events = subscription[Symbol.asyncIterator]()
      try {
        await writeSse(response, events, abort.signal, { clock: options.clock, heartbeatMs: HEARTBEAT_MS, retryMs: RETRY_MS })
      } catch (err) {
        const error = toAppError(err)
        // `code` at the top level: the redaction of login codes (`*.code`) would hide it one level down.
        options.log?.warn({ code: error.code, error: error.message, errorCode: errnoOf(error.cause) }, 'live stream ended by an error')
        const retry = error.retryAfter !== undefined ? `retry: ${error.retryAfter * 1000}\n` : ''
        if (!response.writableEnded) response.write(`: error ${error.code}: ${error.detail.replace(/\s+/g, ' ')}\n${retry}\n`)
      } finally {
        const because = (subscription as { closedBecause?: unknown }).closedBecause
        subscription.close()
        // The login ended: the client is told why before the stream closes (its reconnection then meets 401).
        if ((because === 'signed_out' || because === 'revoked') && !response.writableEnded) response.write(endFrame(because))
        const lagging = because === 'lagging'
        // A subscriber that fell behind may have a full socket: cut it rather than wait for it.
        if (lagging) response.destroy()
        else if (!response.writableEnded) response.end()
      }
    })
  }
}
