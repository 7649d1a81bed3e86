/**
 * The process: the shared start-up (startup.ts: configuration → logger → store → lease → fenced
 * store → Telegram), the service assembled (service.ts), then what only a process does: listen,
 * signals, graceful shutdown and the exit code. The only file that listens or handles signals.
 */
import { limitHeapGrowth } from './heap-growth.ts'
import { isLoopbackHost } from './config/config.ts'
import { displayUrl, sandboxBanner } from './sandbox/sandbox-banner.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'
import { createServiceMetrics } from './metrics/service-metrics.ts'
import { createSinkMetrics } from './metrics/sink-metrics.ts'
import { defaultSleep } from './telegram/calls/call-with-flood-wait.ts'
import { saveWithRetry } from './telegram/sign-in/save-with-retry.ts'
import { assembleService, type Service } from './service.ts'
import { exitWith, holdSession, openTelegram, start } from './startup.ts'
import { DEFAULT_LINGER_MS, limitSlowClients } from './http/slow-clients.ts'

const PROGRAM = 'telegram-connector'

/** How long in-flight requests may run after SIGTERM before they are cut. */
const SHUTDOWN_GRACE_MS = 10_000
/**
 * How long the whole shutdown may take — requests, the session's save (retried), the lease's
 * release — before the process exits anyway, whatever the store is doing (docs, Shutdown).
 */
const SHUTDOWN_LIMIT_MS = 20_000

async function main(): Promise<void> {
  limitHeapGrowth()
  const startup = await start(PROGRAM, 'service')
  const { config, logger, store } = startup
  const metrics = createServiceMetrics()
  // One live process per session (Telegram revokes an auth key used twice at once). The default
  // wait outlasts the lease's life, so a crashed predecessor's lease always runs out first.
  const { lease, sessions } = await holdSession(startup)
  const { telegram, sandbox } = await openTelegram(startup, { lease, sessions })
  if (sandbox) {
    logger.warn(
      { dc: `${telegram.dc!.host}:${telegram.dc!.port}` },
      `SANDBOX MODE: no API_ID set, serving the built-in Telegram emulator with a demo world; any phone signs in with code ${sandbox.code}`,
    )
  }

  let service: Service
  try {
    service = await assembleService({
      sessions,
      telegram,
      log: logger,
      config,
      metrics,
      sinkMetrics: createSinkMetrics(metrics.registry),
      app: { sandbox: config.sandbox, apiToken: config.apiToken ?? undefined, allowedHosts: config.allowedHosts, corsOrigins: config.corsOrigins },
    })
  } catch (err) {
    await sandbox?.stop()
    await lease.release()
    if (err instanceof SessionStoreError) exitWith(PROGRAM, `cannot read the session from ${store.describe()}: ${err.message}`)
    throw err
  }
  const { app, gateway } = service
  if (!config.apiToken && !isLoopbackHost(config.host)) {
    logger.warn('ALLOW_UNAUTHENTICATED=true: the API is reachable without a token on a non-loopback address')
  }

  limitSlowClients(app.server, {
    headersTimeoutMs: config.httpHeadersTimeoutSeconds * 1000,
    requestTimeoutMs: config.httpRequestTimeoutSeconds * 1000,
    lingerMs: DEFAULT_LINGER_MS,
  })

  limitSlowClients(app.server, {
    headersTimeoutMs: config.httpHeadersTimeoutSeconds * 1000,
    requestTimeoutMs: config.httpRequestTimeoutSeconds * 1000,
    lingerMs: DEFAULT_LINGER_MS,
  })

  let stopping = false
  // server.close() ends the connections idle when it starts; a keep-alive connection whose
  // response finishes afterwards would stay open until its idle timeout and hold the shutdown.
  app.server.on('request', (request, response) => {
    response.once('finish', () => {
      if (stopping) request.socket.end()
    })
  })
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const grace = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; stopping anyway')
      void app.server.closeAllConnections()
    }, SHUTDOWN_GRACE_MS)
    grace.unref()
    // Nothing below may hold the process past the limit: not a store that never answers.
    setTimeout(() => {
      logger.error({ limitSeconds: SHUTDOWN_LIMIT_MS / 1000 }, 'the shutdown did not finish in time; exiting without it')
      process.exit(1)
    }, SHUTDOWN_LIMIT_MS).unref()
    let code = 0
    try {
      // Sinks, live streams, requests in flight (bounded by the grace timer), then the session saved.
      await service.close()
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'could not save the session at shutdown; retrying')
      const saved = await saveWithRetry({ save: () => gateway.save(), sleep: defaultSleep, log: logger })
      if (!saved) code = 1
    } finally {
      await sandbox?.stop()
      await lease.release()
    }
    if (code === 0) logger.info('session saved; stopped')
    process.exit(code)
  }
  process.once('SIGTERM', (s) => void shutdown(s))
  process.once('SIGINT', (s) => void shutdown(s))

  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    await service.close()
    await sandbox?.stop()
    await lease.release()
    exitWith(PROGRAM, `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`)
  }
  if (sandbox) {
    // For the person at the terminal: on stderr, beside the log and never inside a JSON line.
    process.stderr.write(sandboxBanner({
      url: displayUrl(config.host, config.port),
      code: sandbox.code,
      authorized: gateway.authorized,
      tokenRequired: config.apiToken !== null,
      now: Date.now(),
    }))
  }
}

await main()
