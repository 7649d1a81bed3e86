/**
 * The whole service for a test, real parts only: an emulator on a loopback port, a session
 * store (a temp directory unless one is given), the gateway connected over MTProto, and the
 * Fastify app listening on 127.0.0.1:0. `restart()` closes gateway and app and opens them again
 * on the same store and emulator, as a process restart would.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import { TelegramGateway, type GatewayDeps } from '../../src/telegram/gateway.ts'
import { loggerOptions } from '../../src/logger.ts'
import type { ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import type { Config } from '../../src/config.ts'
import { startSinks, type LiveSinks, type SinkDeps } from '../../src/live/sinks/start-sinks.ts'
import { createSinkMetrics, type SinkMetrics } from '../../src/metrics/sink-metrics.ts'
import type { Clock } from '../../src/clock.ts'
import { LiveHub, type LiveHubOptions } from '../../src/live/live-hub.ts'

export interface ServiceOptions {
  emulator?: EmulatorOptions
  /** Reuse a running emulator (it is not stopped by close()). */
  sharedEmulator?: Emulator
  store?: BlobStore
  sessionKey?: Buffer | null
  apiToken?: string
  gateway?: Partial<Pick<GatewayDeps, 'floodWaitThreshold' | 'callTimeoutMs' | 'historyConcurrency' | 'now' | 'connectWaitMs' | 'clock' | 'floodWaitMax' | 'floodProbeCalls'>>
  /**
   * The per-call deadline, asked again each time the gateway reads it (in place of
   * `gateway.callTimeoutMs`; undefined: the gateway's default): a test of an outage shortens it
   * for the outage alone, so that the other calls are not raced against a deadline a loaded
   * machine can miss.
   */
  callTimeoutMs?: () => number | undefined
  now?: () => number
  /** The timers of the message stream's keep-alive. */
  streamClock?: Clock
  /** Given to both the gateway and the app (GET /metrics). */
  metrics?: ServiceMetrics
  /** Sinks of the live feed to start as the service does (WEBHOOK_*, NATS_*, LIVE_CHANNELS), and their clock and timings. */
  sinks?: Partial<Pick<Config, 'webhook' | 'nats' | 'liveChannels' | 'sinkStartAt'>> & Pick<SinkDeps, 'clock' | 'natsTiming'>
  /** The live feed's settings (journal size, lag limit). */
  live?: Omit<LiveHubOptions, 'telegram' | 'metrics'>
}

export interface Service {
  emulator: Emulator
  store: BlobStore
  gateway: TelegramGateway
  live: LiveHub
  /** The sinks started (none unless `sinks` is given). */
  sinks: LiveSinks
  app: FastifyInstance
  /** http://127.0.0.1:<port> */
  url: string
  /** Every log line written so far (JSON text), for tests that look for leaks. */
  logText(): string
  /** Closes and opens again; `whileDown` runs in between, with the service stopped. */
  restart(whileDown?: () => unknown): Promise<void>
  close(): Promise<void>
}

export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const emulator = options.sharedEmulator ?? (await startEmulator(options.emulator))
  let directory: string | undefined
  let store = options.store
  if (!store) {
    directory = await mkdtemp(join(tmpdir(), 'connector-'))
    store = new FileStore(join(directory, 'session'))
  }
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  const log: Logger = pino(loggerOptions('debug'), sink)
  // Registered once in the service's registry, however many times the service restarts.
  const sinkMetrics: SinkMetrics | undefined = options.metrics && options.sinks ? createSinkMetrics(options.metrics.registry) : undefined

  const open = async (): Promise<{ gateway: TelegramGateway; live: LiveHub; sinks: LiveSinks; app: FastifyInstance; url: string }> => {
    const deps: GatewayDeps = {
      store: store!,
      sessionKey: options.sessionKey ?? null,
      telegram: {
        apiId: 1,
        apiHash: 'test',
        dc: { host: emulator.host, port: emulator.port, id: emulator.dcId },
        publicKeyPem: emulator.publicKeyPem,
      },
      log,
      ...options.gateway,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }
    if (options.callTimeoutMs) Object.defineProperty(deps, 'callTimeoutMs', { get: options.callTimeoutMs, enumerable: true })
    const gateway = await TelegramGateway.open(deps)
    const live = new LiveHub({ telegram: gateway.live(), log, ...options.live, ...(options.metrics ? { metrics: options.metrics } : {}) })
    // As src/main.ts starts them; none configured, none started.
    const { webhook = null, nats = null, liveChannels = null, sinkStartAt = null, ...sinkDeps } = options.sinks ?? {}
    const sinks = startSinks({ webhook, nats, liveChannels, sinkStartAt, sessionEncryptionKey: options.sessionKey ?? null }, { ...sinkDeps, feed: live, store: store!, log, metrics: sinkMetrics })
    const app = await buildApp({
      connector: gateway,
      live,
      sandbox: false,
      apiToken: options.apiToken,
      loggerInstance: log,
      ...(options.now ? { now: options.now } : {}),
      ...(options.streamClock ? { clock: options.streamClock } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      sinks: sinks.statuses,
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    return { gateway, live, sinks, app, url: address }
  }

  const service: Service = {
    emulator,
    store,
    ...(await open()),
    logText: () => lines.join(''),
    async restart(whileDown) {
      await service.sinks.stop()
      service.live.close()
      await service.app.close()
      await service.gateway.close()
      await whileDown?.()
      Object.assign(service, await open())
    },
    async close() {
      await service.sinks.stop()
      service.live.close()
      await service.app.close()
      await service.gateway.close()
      if (!options.sharedEmulator) await emulator.stop()
      if (directory) await rm(directory, { recursive: true, force: true })
    },
  }
  return service
}

/** POST /sign_in with a JSON body. */
export async function signIn(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/sign_in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** Signs `phone` in over POST /sign_in with the code the emulator sent it: 206, then 200. */
export async function signInWithCode(url: string, emulator: Pick<Emulator, 'lastCode'>, phone: string): Promise<void> {
  assert.equal((await signIn(url, { phone })).status, 206)
  assert.equal((await signIn(url, { phone, password: emulator.lastCode(phone) })).status, 200)
}
