/**
 * The one body parser: JSON, read as bytes so that text which is not UTF-8 is refused rather
 * than decoded with replacement characters into a different phone number or password
 * (RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8). Parsing itself is Fastify's
 * own (secure-json-parse, which refuses `__proto__` and `constructor.prototype` keys).
 */
import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { badRequest } from '../core/errors.ts'

export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) {
      done(badRequest('The request body is not valid UTF-8.'), undefined)
      return
    }
    parseJson(request, bytes.toString('utf8'), done)
  })
}
