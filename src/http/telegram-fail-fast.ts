/**
 * While Telegram is known to be unreachable (a connection failed and none has succeeded since,
 * src/telegram/telegram-connection.ts), a request that needs Telegram is answered at once with
 * 503 TELEGRAM_UNAVAILABLE and `Retry-After`, rather than each waiting for its call deadline.
 * The routes that never reach Telegram (health, metrics, documentation, stream tokens) and
 * unknown paths are not touched. The client retries; mtcute reconnects meanwhile.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../core/errors.ts'
import type { Connector } from '../telegram/connector.ts'

/** Seconds a client is asked to wait: about one of mtcute's reconnection attempts. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 5

const WITHOUT_TELEGRAM = new Set(['/health', '/metrics', '/openapi.json', '/docs', '/docs/*', '/messages/live/token'])

export function registerTelegramFailFast(app: FastifyInstance, connector: Pick<Connector, 'status'>): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url
    if (route === undefined || WITHOUT_TELEGRAM.has(route) || request.method === 'OPTIONS') return
    if (connector.status().unreachable) {
      throw new AppError('TELEGRAM_UNAVAILABLE', 'Telegram cannot be reached right now; the service is reconnecting.', { retryAfter: UNREACHABLE_RETRY_AFTER_SECONDS })
    }
  })
}
