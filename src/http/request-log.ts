/**
 * One log line per request, when it is answered: method, URL (credentials in the query
 * redacted, src/core/logger.ts), status, time taken and, for a problem, its code. At info level,
 * except the probes (/health, /metrics), which an orchestrator and a scraper call every few
 * seconds: those are at debug. Fastify's "incoming request" line is at debug too.
 * Built on Fastify's LogController, which is meant to be extended for this.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

const PROBES = new Set(['/health', '/metrics'])

/** The code of the problem a reply carried (set where problems are sent, src/http/problem-handler.ts). */
export const problemCodes = new WeakMap<object, string>()

export class RequestLog extends LogController {
  /** At debug only: with LOG_LEVEL=debug, a request still in flight shows in the log. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 10) / 10, code: problemCodes.get(reply.raw) }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else if (PROBES.has(request.routeOptions.url ?? '')) reply.log.debug(line, 'request completed')
    else reply.log.info(line, 'request completed')
  }
}
