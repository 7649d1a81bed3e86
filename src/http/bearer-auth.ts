/**
 * `Authorization: Bearer <API_TOKEN>` (RFC 6750 §2.1) on every route but the public ones.
 * Both sides are hashed first so the comparison is constant-time whatever their lengths.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { unauthorized } from '../core/errors.ts'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

export function tokenMatches(expected: string, header: string | undefined): boolean {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  const presented = match ? match[1]! : ''
  // Compare even when nothing was presented, so timing does not tell the two cases apart.
  const same = timingSafeEqual(digest(expected), digest(presented))
  return match !== null && same
}

/**
 * `alsoAccepted` admits a request the bearer token does not, by another credential of its own
 * (a stream token on the live feed, src/http/stream-token.ts).
 */
export function registerBearerAuth(
  app: FastifyInstance,
  token: string,
  isPublic: (path: string) => boolean,
  alsoAccepted: (request: FastifyRequest, path: string) => boolean = () => false,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!
    if (isPublic(path)) return
    if (!tokenMatches(token, request.headers.authorization) && !alsoAccepted(request, path)) {
      reply.header('www-authenticate', 'Bearer')
      throw unauthorized()
    }
  })
}
