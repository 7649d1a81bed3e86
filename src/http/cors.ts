/**
 * CORS, opt-in (CORS_ORIGINS): pages on the listed origins may read the API's answers, the live
 * feed by `EventSource` included. Preflights are answered before authentication (a browser
 * sends no `Authorization` with them). No cookies are used, so no credentials mode.
 */
import type { FastifyInstance } from 'fastify'

/** @fastify/cors is loaded only when CORS_ORIGINS is set. */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return
  const { default: cors } = await import('@fastify/cors')
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'Last-Event-ID'],
    exposedHeaders: ['Retry-After', 'Location'],
    maxAge: 600,
  })
}
