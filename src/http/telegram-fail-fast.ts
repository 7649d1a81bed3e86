/**
 * While Telegram is known to be unreachable (a connection failed and none has succeeded since,
 * src/telegram/telegram-connection.ts), a request that needs Telegram is answered at once with
 * 503 TELEGRAM_UNAVAILABLE and `Retry-After`, rather than each waiting for its call deadline.
 * The routes that never reach Telegram (health, metrics, documentation, stream tokens) and
 * unknown paths are not touched. The client retries; mtcute reconnects meanwhile.
 *
 * The live feed is not refused either: a stream stays open through an outage (heartbeats, then
 * the events once Telegram is back), and `EventSource` gives up for good on a 503, where it
 * reconnects by itself after a stream that ends.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../core/errors.ts'
import type { Connector } from '../telegram/connector.ts'

/** Seconds a client is asked to wait: about one of mtcute's reconnection attempts. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 5

const NOT_REFUSED = new Set(['/health', '/metrics', '/openapi.json', '/docs', '/docs/*', '/messages/live/token', '/messages/live'])

export function registerTelegramFailFast(app: FastifyInstance, connector: Pick<Connector, 'status'>): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url
    if (route === undefined || NOT_REFUSED.has(route) || request.method === 'OPTIONS') return
    if (connector.status().unreachable) {
      throw new AppError('TELEGRAM_UNAVAILABLE', 'Telegram cannot be reached right now; the service is reconnecting.', { retryAfter: UNREACHABLE_RETRY_AFTER_SECONDS })
    }
  })
}
