/**
 * Swagger UI at /docs, set up at the first request for it rather than at start-up: registering
 * @fastify/swagger-ui loads its file server and its dependencies, and a start pays for that
 * although few processes are ever asked for their documentation page.
 *
 * Routes cannot be added to a Fastify app once it listens, so /docs and /docs/* are this
 * app's, and they hand each request to a small Fastify app of the documentation's own, made at
 * the first one: @fastify/swagger in static mode, serving the application's OpenAPI document
 * (the one /openapi.json serves), and @fastify/swagger-ui under the same prefix. Its answers are
 * passed on as they are; its errors are the same problem documents as everywhere else
 * (problem-handler.ts), and the access rules are this app's hooks, which run first.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import { frameworkErrorHandler, registerProblemHandlers } from './problem-handler.ts'

export interface DocsOptions {
  routePrefix: string
  /** The application's OpenAPI document, asked for at the first request. */
  document: () => Record<string, unknown>
  theme?: FastifySwaggerUiOptions['theme']
  logo?: FastifySwaggerUiOptions['logo']
  uiConfig?: FastifySwaggerUiOptions['uiConfig']
}

/** Headers of one connection (RFC 9110 §7.6.1), and the length, which the outer reply sets itself. */
const NOT_PASSED_ON = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date'])

async function openDocs(options: DocsOptions, parent: FastifyInstance): Promise<FastifyInstance> {
  const { default: swaggerUi } = await import('@fastify/swagger-ui')
  const docs = Fastify({
    loggerInstance: parent.log,
    // The outer app has logged the request already.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: frameworkErrorHandler,
    exposeHeadRoutes: false,
  })
  registerProblemHandlers(docs)
  await docs.register(swagger, { mode: 'static', specification: { document: options.document() as never } })
  await docs.register(swaggerUi, { routePrefix: options.routePrefix, theme: options.theme, logo: options.logo, uiConfig: options.uiConfig })
  await docs.ready()
  return docs
}

export function docsOnDemand(options: DocsOptions): FastifyPluginAsync {
  return async (app) => {
    let docs: Promise<FastifyInstance> | undefined
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      // A failed set-up is tried again at the next request.
      docs ??= openDocs(options, app).catch((err: unknown) => {
        docs = undefined
        throw err
      })
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !NOT_PASSED_ON.has(name)))
      const answer = await (await docs).inject({ method: 'GET', url: request.url, headers: headers as Record<string, string> })
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!NOT_PASSED_ON.has(name) && value !== undefined) reply.header(name, value)
      }
      return reply.code(answer.statusCode).send(answer.rawPayload)
    }
    app.get(options.routePrefix, { schema: { hide: true } }, handler)
    app.get(`${options.routePrefix}/*`, { schema: { hide: true } }, handler)
    app.addHook('onClose', async () => {
      const opened = docs
      docs = undefined
      await (await opened?.catch(() => undefined))?.close()
    })
  }
}
