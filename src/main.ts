/**
 * The process: configuration → session store → (sandbox emulator) → gateway → HTTP.
 * The only file that listens, handles signals or exits.
 */
import { buildApp } from './app.ts'
import { limitHeapGrowth } from './heap-growth.ts'
import { ConfigError, isLoopbackHost, loadConfig, type Config } from './config.ts'
import { createLogger } from './logger.ts'
import { displayUrl, sandboxBanner } from './sandbox-banner.ts'
import { openStore } from './sessions/open-store.ts'
import { SessionStoreError } from './sessions/session-store-error.ts'
import { TelegramGateway } from './telegram/gateway.ts'
import { openTelegramTarget } from './telegram-target.ts'
import { acquireLease, serviceLeaseOptions } from './sessions/lease.ts'
import { FencedStore } from './sessions/fenced-store.ts'
import { createServiceMetrics } from './metrics/service-metrics.ts'
import { defaultSleep } from './telegram/call-with-flood-wait.ts'
import { saveWithRetry } from './telegram/save-with-retry.ts'
import { LiveHub } from './live/live-hub.ts'
import { startSinks } from './live/sinks/start-sinks.ts'
import { createSinkMetrics } from './metrics/sink-metrics.ts'

/** How long in-flight requests may run after SIGTERM before the process stops anyway. */
const SHUTDOWN_GRACE_MS = 10_000

function fail(message: string): never {
  process.stderr.write(`telegram-connector: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  limitHeapGrowth()
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }

  // One logger for HTTP, the gateway and the sandbox.
  const logger = await createLogger({ level: config.logLevel, format: config.logFormat, fd: 1, env: process.env })
  const store = await openStore(config.sessionUrl, process.env)
  const metrics = createServiceMetrics()

  // One live process per session (Telegram revokes an auth key used twice at once). The default
  // wait outlasts the lease's life, so a crashed predecessor's lease always runs out first.
  let lease: Awaited<ReturnType<typeof acquireLease>>
  try {
    lease = await acquireLease(store, serviceLeaseOptions(config.sessionLockWaitSeconds, {
      log: logger,
      // Another process may own the session by now: exit without saving over its record, said
      // in the log (for the collector) and on stderr (for the terminal).
      onLost: (err) => {
        logger.error({ code: err.code, store: store.describe() }, err.message)
        fail(err.message)
      },
    }))
  } catch (err) {
    if (err instanceof SessionStoreError) fail(err.message)
    throw err
  }

  // Every write from here on is fenced by the lease: a stale holder cannot save over a successor.
  const sessions = new FencedStore(store, lease, logger)
  const { telegram, sandbox } = await openTelegramTarget(config, sessions, logger)
  if (sandbox) {
    logger.warn(
      { dc: `${telegram.dc!.host}:${telegram.dc!.port}` },
      `SANDBOX MODE: no API_ID set, serving the built-in Telegram emulator with a demo world; any phone signs in with code ${sandbox.code}`,
    )
  }

  let gateway: TelegramGateway
  try {
    gateway = await TelegramGateway.open({
      store: sessions,
      sessionKey: config.sessionEncryptionKey,
      telegram,
      log: logger,
      metrics,
      floodWaitMax: config.floodWaitMaxSeconds,
      floodWaitThreshold: config.floodWaitThresholdSeconds,
    })
  } catch (err) {
    await sandbox?.stop()
    await lease.release()
    if (err instanceof SessionStoreError) fail(`cannot read the session from ${store.describe()}: ${err.message}`)
    throw err
  }

  // One update stream from Telegram for every live subscriber (GET /messages/live).
  const live = new LiveHub({ telegram: gateway.live(), metrics, log: logger })
  // The same feed out of the process, when WEBHOOK_URL or NATS_URL is set (SPEC §8), limited to
  // LIVE_CHANNELS when set. The webhook's cursor is written through the fenced store, beside the session.
  const sinks = startSinks(config, { feed: live, store: sessions, log: logger, metrics: createSinkMetrics(metrics.registry) })
  const app = await buildApp({
    connector: gateway,
    live,
    sinks: sinks.statuses,
    sandbox: config.sandbox,
    apiToken: config.apiToken ?? undefined,
    loggerInstance: logger,
    metrics,
  })
  if (!config.apiToken && !isLoopbackHost(config.host)) {
    logger.warn('ALLOW_UNAUTHENTICATED=true: the API is reachable without a token on a non-loopback address')
  }

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
    let code = 0
    // Deliveries in flight are cut (and made again at the next start), before their feed ends.
    await sinks.stop()
    // Live streams never finish by themselves: end them so that they do not hold the shutdown.
    live.close()
    try {
      // Stops accepting, lets the requests in flight finish (bounded by the grace timer).
      await app.close()
    } catch (err) {
      logger.error({ err: { message: (err as Error).message } }, 'the HTTP server did not close cleanly')
    }
    try {
      // Saves the session, then disconnects; the client is closed even when the save fails.
      await gateway.close()
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
    await sinks.stop()
    await gateway.close()
    await sandbox?.stop()
    await lease.release()
    fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`)
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
