/**
 * CORS, opt-in (CORS_ORIGINS): pages on the listed origins may read the API's answers, the live
 * feed by `EventSource` included. Preflights are answered before authentication (a browser
 * sends no `Authorization` with them). No cookies are used, so no credentials mode.
 */
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'Last-Event-ID'],
    exposedHeaders: ['Retry-After', 'Location'],
    maxAge: 600,
  })
}
