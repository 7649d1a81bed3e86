/**
 * No state change from another origin. A web page can make the browser send a POST or DELETE
 * to this service (a no-cors `fetch`, a form, `text/plain`) without reading the answer, and
 * with the user's loopback reach; CORS only stops the page from reading. So every request with
 * an unsafe method (RFC 9110 §9.2.1) is refused with 403 unless it comes from
 *
 * - no browser page at all: neither `Sec-Fetch-Site` nor `Origin` is sent (curl, programs);
 * - the service's own pages (`Sec-Fetch-Site: same-origin`, or `none` for what the user did
 *   directly), or, from browsers without Fetch Metadata, an `Origin` equal to the service's own;
 * - an origin listed in CORS_ORIGINS.
 *
 * `same-site` is cross-origin here: another port of localhost is the same site. One hook covers
 * every route, present and future, by method rather than by path. Bodies must also be JSON: the
 * only body parser is JSON's (src/http/json-body-parser.ts), so a form or `text/plain` body is 415
 * even from an allowed origin.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { crossOriginForbidden } from '../core/errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** Why a state-changing request with these headers is refused, or null when it may proceed. */
export function crossOriginRefusal(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): string | null {
  const origin = headers.origin
  const site = headers['sec-fetch-site']
  if (origin !== undefined && allowedOrigins.includes(origin)) return null
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? null : `a ${site} request from ${origin ?? 'a page'}`
  }
  if (origin === undefined) return null
  const host = headers.host
  const own = host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)
  return own ? null : `a request from ${origin}`
}

export function registerCrossOriginGuard(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return
    const refusal = crossOriginRefusal(request.headers, allowedOrigins)
    if (refusal !== null) {
      request.log.warn({ reason: refusal, method: request.method, path: request.url.split('?')[0] }, 'cross-origin request refused')
      throw crossOriginForbidden()
    }
  })
}
