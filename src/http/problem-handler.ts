/**
 * Every error leaves the service as `application/problem+json` (RFC 9457), built in one place
 * from the error catalog. Validation failures name the field; a 5xx body never carries the
 * underlying error (it goes to the log).
 *
 * Three doors lead here: the error handler (routes, hooks, body parsing, plugins), Fastify's
 * `frameworkErrors` (a URL that is not valid percent-encoding, before any route is looked up),
 * and the HTTP server's `clientError` (a request Node cannot even parse: bad framing, headers
 * over the size limit), which is answered on the raw socket.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, badRequest, methodNotAllowed, notFound, toAppError, toProblem, type Problem } from '../core/errors.ts'
import { errnoOf, messageOf } from '../core/logger.ts'
import { problemCodes } from './request-log.ts'

function validationDetail(err: FastifyError): string {
  const first = err.validation?.[0]
  if (!first) return err.message
  const context = err.validationContext ?? 'request'
  const path = first.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : ''
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty
  const field = missing ?? path
  const where = field ? `${context === 'querystring' ? 'query' : context} field "${field}"` : context
  return missing ? `${where} is required` : `${where} ${first.message ?? 'is invalid'}`
}

/**
 * The catalog code for a thrown error. Client errors of Fastify or of a plugin whose status
 * the catalog has no code for stay client errors: @fastify/static refuses a path that climbs
 * out of the documentation's folder with 403, which names no document (404); any other such
 * 4xx is a malformed request.
 */
export function classifyError(err: FastifyError): AppError {
  if (err.validation) return new AppError('BAD_REQUEST', validationDetail(err), { cause: err })
  if (err.code === 'FST_STATIC_FORBIDDEN_PATH') return new AppError('NOT_FOUND', 'No such document.', { cause: err })
  const appError = toAppError(err)
  const status = err.statusCode
  if (appError.code === 'INTERNAL_ERROR' && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('BAD_REQUEST', STATUS_CODES[status] ? `${STATUS_CODES[status]}.` : undefined, { cause: err })
  }
  return appError
}

export function sendProblem(reply: FastifyReply, err: AppError): FastifyReply {
  const problem = toProblem(err)
  problemCodes.set(reply.raw, problem.code)
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
  return reply.code(problem.status).type('application/problem+json').send(problem)
}

const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** Codes that mean a dependency is away, not that the service is wrong. */
const OUTAGES = new Set(['TELEGRAM_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE'])

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = classifyError(err)
    const cause = appError.cause ?? err
    // Telegram or the store away is an outage, said by message and errno; anything else at 5xx
    // is a bug, with its stack. A refusal (4xx) is in the request's own line, by its code.
    if (OUTAGES.has(appError.code)) request.log.warn({ code: appError.code, error: messageOf(cause), errorCode: errnoOf(cause) }, 'request failed')
    else if (appError.status >= 500) request.log.error({ err: cause, code: appError.code }, 'request failed')
    else request.log.debug({ code: appError.code, detail: appError.detail }, 'request rejected')
    return sendProblem(reply, appError)
  })
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!
    // RFC 9110 §15.5.6: a known resource asked with another method is 405 with `Allow`, as
    // FastAPI answered it.
    const allowed = ROUTE_METHODS.filter((method) => app.hasRoute({ method, url: path }))
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(reply, methodNotAllowed(`${request.method} is not supported on ${path}; use ${allowed.join(' or ')}`))
    }
    return sendProblem(reply, notFound(`No route for ${request.method} ${path}`))
  })
}

/**
 * Fastify's `frameworkErrors` option: FST_ERR_BAD_URL (a path that is not valid
 * percent-encoded UTF-8, RFC 3986 §2.1) and FST_ERR_MAX_PARAM_LENGTH. The URL is not echoed.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const detail = err.code === 'FST_ERR_BAD_URL'
    ? 'The request path is not valid percent-encoded UTF-8.'
    : 'The request path is malformed.'
  request.log.info({ code: 'BAD_REQUEST', reason: err.code }, 'request rejected')
  void sendProblem(reply, badRequest(detail))
}

/**
 * Fastify's `clientErrorHandler` option, for requests Node's HTTP parser rejects before any
 * Fastify request exists. RFC 6585 §5: headers over the limit (the request line included) are
 * 431; RFC 9110 §15.5.9: a request not received in time is 408; everything else is 400. The
 * socket is closed after the answer, as Node does by default.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer (Node docs, http "clientError").
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line and headers are larger than the server accepts.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : [400, 'The request is not valid HTTP/1.1.']
  // The catalog's code for a malformed request, with the status that says why.
  const problem: Problem = { ...toProblem(badRequest(detail)), status, title: STATUS_CODES[status] ?? 'Bad Request' }
  const body = JSON.stringify(problem)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
