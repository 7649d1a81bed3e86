/**
 * Builds the HTTP application from its dependencies; never listens (src/main.ts does).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import { Problem } from './http/schemas/problem.ts'
import { TelethonMessage } from './http/schemas/messages.ts'
import { LiveDeletion } from './http/schemas/messages-live.ts'
import { productLogo } from './http/product-logo.ts'
import { webhookDocuments } from './http/schemas/webhooks.ts'
import { clientErrorHandler, frameworkErrorHandler, registerProblemHandlers } from './http/problem-handler.ts'
import { registerJsonBodyParser } from './http/json-body-parser.ts'
import { registerHostRequirement } from './http/host-header.ts'
import { registerBearerAuth } from './http/bearer-auth.ts'
import { registerCrossOriginGuard } from './http/cross-origin-guard.ts'
import { registerCors } from './http/cors.ts'
import { registerTelegramFailFast } from './http/telegram-fail-fast.ts'
import { RequestLog } from './http/request-log.ts'
import { StreamTokens } from './http/stream-token.ts'
import { streamTokenRoute } from './http/routes/stream-token.ts'
import { signInRoute } from './http/routes/sign-in.ts'
import { accountRoute } from './http/routes/account.ts'
import { messagesRoute } from './http/routes/messages.ts'
import { channelsRoute } from './http/routes/channels.ts'
import { healthRoute, type SinkStatuses } from './http/routes/health.ts'
import { messagesLiveRoute } from './http/routes/messages-live.ts'
import type { LiveFeed } from './live/live-feed.ts'
import { systemClock, type Clock } from './core/clock.ts'
import type { Connector } from './telegram/connector.ts'
import { metricsPlugin } from './http/metrics-plugin.ts'
import { lazyCompilersFactory } from './http/lazy-schema-compilers.ts'
import { docsOnDemand } from './http/docs-on-demand.ts'
import { qrAsImage } from './http/docs-qr-image.ts'
import type { ServiceMetrics } from './metrics/service-metrics.ts'

export interface AppOptions {
  connector: Connector
  sandbox: boolean
  apiToken?: string | undefined
  /** Host names answered besides IP literals and localhost (ALLOWED_HOSTS; src/http/host-header.ts). */
  allowedHosts?: readonly string[] | undefined
  /** Browser origins allowed to call the API (CORS_ORIGINS; src/http/cross-origin-guard.ts). */
  corsOrigins?: readonly string[] | undefined
  logger?: FastifyServerOptions['logger'] | undefined
  loggerInstance?: FastifyServerOptions['loggerInstance'] | undefined
  now?: () => number
  /** Timers of the message stream's keep-alive and of live streams' heartbeats (default: the system clock). */
  clock?: Clock | undefined
  /** Prometheus metrics served at GET /metrics; absent, no /metrics route. */
  metrics?: ServiceMetrics | undefined
  /** The live feed's sinks, for /health; absent: none configured. */
  sinks?: SinkStatuses | undefined
  /** The live feed behind GET /messages/live; absent, no such route. */
  live?: LiveFeed | undefined
  /** Largest accepted request body; sign-in bodies are tiny. */
  bodyLimit?: number
  /**
   * Compile every route's schemas before listening, as Fastify does by default, rather than
   * each at its route's first use (src/http/lazy-schema-compilers.ts); a test checks them so.
   */
  compileSchemasAtStart?: boolean
}

/**
 * Reachable without a token: liveness, and the documentation (no account data) whose
 * "Authorize" button is how a person enters the token in the first place.
 */
const isPublicPath = (path: string): boolean => path === '/health' || path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/')

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.loggerInstance ? undefined : (options.logger ?? false),
    loggerInstance: options.loggerInstance,
    // One line per request, when it is answered (src/http/request-log.ts).
    logController: new RequestLog(),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    // Query strings and paths from the outside are bounded too.
    routerOptions: { maxParamLength: 200 },
    // Scalars are coerced ({"password": 12345} is the code "12345"), but an array is never
    // taken for its first element: {"phone": ["+1…"]} is a malformed body, not a phone.
    ajv: { customOptions: { removeAdditional: true, coerceTypes: true, useDefaults: true, allErrors: false } },
    // Schemas are compiled at their route's first use: compiling them all is most of a start's
    // HTTP set-up, and the first request, /health, needs one.
    ...(options.compileSchemasAtStart ? {} : { schemaController: { compilersFactory: lazyCompilersFactory() } }),
    // Requests refused before a route exists are problem documents too (src/http/problem-handler.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // A missing Host is refused by src/http/host-header.ts, in the problem format.
    http: { requireHostHeader: false },
    // No implicit HEAD routes: HEAD /messages would read the whole window from Telegram only
    // to throw the body away.
    exposeHeadRoutes: false,
  })
  // Only JSON bodies are read; Fastify's default text/plain parser would turn a JSON document
  // sent as text into a string and fail it as "not an object" instead of 415 (RFC 9110 §15.5.16).
  app.removeContentTypeParser('text/plain')
  registerJsonBodyParser(app)

  app.addSchema(Problem)
  // Shared schemas are listed under components.schemas in the OpenAPI document.
  app.addSchema(TelethonMessage)
  app.addSchema(LiveDeletion)
  registerProblemHandlers(app)
  // Root-level hooks, in this order: the Host (DNS rebinding), then the origin of a state
  // change (cross-site forgery), then the token.
  registerHostRequirement(app, options.allowedHosts ?? [])
  registerCrossOriginGuard(app, options.corsOrigins ?? [])
  await registerCors(app, options.corsOrigins ?? [])
  const now = options.now ?? Date.now
  const streamTokens = new StreamTokens(now)
  // After CORS, whose preflight answers carry no token.
  if (options.apiToken) {
    registerBearerAuth(app, options.apiToken, isPublicPath, (request, path) =>
      path === '/messages/live' && request.method === 'GET' && streamTokens.verify((request.query as { stream_token?: string }).stream_token))
  }


  await app.register(swagger, {
    // Shared schemas keep their own names in components.schemas (not def-0, def-1, …).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      // The webhook's deliveries, which this service sends rather than answers.
      webhooks: webhookDocuments,
      tags: [
        { name: 'sign-in', description: 'By code (phone, code, then the two-step password if the account has one) or by QR code; the account; sign-out' },
        { name: 'messages', description: "The account's channel messages" },
        { name: 'channels', description: "The account's channels: list, join, leave" },
        { name: 'health', description: 'Liveness' },
        { name: 'operations', description: 'Metrics for Prometheus' },
        { name: 'webhooks', description: 'What WEBHOOK_URL receives' },
      ],
      info: {
        title: 'Telegram Connector',
        version: '0.1.0',
        description: 'One Telegram user account behind an HTTP API: sign in, then read its channel messages.',
      },
      components: options.apiToken
        ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
        : {},
      security: options.apiToken ? [{ bearer: [] }] : [],
    },
  })
  // Swagger UI is set up at the first request for /docs, not at start-up (docs-on-demand.ts).
  await app.register(docsOnDemand({
    routePrefix: '/docs',
    document: () => app.swagger() as unknown as Record<string, unknown>,
    theme: { title: 'Telegram Connector — API' },
    logo: { type: 'image/svg+xml', content: productLogo, href: '/docs', target: '_self' },
    uiConfig: { requestInterceptor: qrAsImage },
  }))
  if (options.metrics) await app.register(metricsPlugin({ metrics: options.metrics }))
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())


  registerTelegramFailFast(app, options.connector)
  await app.register(healthRoute(options.connector, options.sandbox, options.sinks))
  await app.register(signInRoute(options.connector))
  await app.register(accountRoute(options.connector))
  await app.register(messagesRoute(options.connector, now, options.clock))
  await app.register(channelsRoute(options.connector))
  if (options.live) {
    await app.register(streamTokenRoute(streamTokens))
    await app.register(messagesLiveRoute({ connector: options.connector, feed: options.live, clock: options.clock ?? systemClock, log: app.log }))
  }
  return app
}
