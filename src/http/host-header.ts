/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
 * request message that lacks a Host header field". Node does so itself, with an empty body,
 * unless the server is created with `requireHostHeader: false` (src/app.ts does); this hook
 * then answers in the problem format like every other refusal.
 */
import type { FastifyInstance } from 'fastify'
import { badRequest } from '../errors.ts'

export function registerHostRequirement(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw
    if (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1 && raw.headers.host === undefined) {
      throw badRequest('An HTTP/1.1 request must carry a Host header.')
    }
  })
}
