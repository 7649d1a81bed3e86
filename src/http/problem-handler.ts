/**
 * Every error leaves the service as `application/problem+json` (RFC 9457), built in one place
 * from the error catalog. Validation failures name the field; a 5xx body never carries the
 * underlying error (it goes to the log).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, notFound, toAppError, toProblem } from '../errors.ts'

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

export function sendProblem(reply: FastifyReply, err: AppError): FastifyReply {
  const problem = toProblem(err)
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
  return reply.code(problem.status).type('application/problem+json').send(problem)
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = err.validation ? new AppError('BAD_REQUEST', validationDetail(err), { cause: err }) : toAppError(err)
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? err, code: appError.code }, 'request failed')
    else request.log.info({ code: appError.code, detail: appError.detail }, 'request rejected')
    return sendProblem(reply, appError)
  })
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, notFound(`No route for ${request.method} ${request.url.split('?')[0]}`)),
  )
}
