/**
 * The whole service for a test, real parts only: an emulator on a loopback port, a session
 * store (a temp directory unless one is given), and the service assembled as src/main.ts
 * assembles it (src/service.ts: gateway over MTProto, live feed, sinks, app), listening on
 * 127.0.0.1:0. `restart()` closes it and assembles it again on the same store and emulator, as
 * a process restart would.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { assembleService, type Service as AssembledService, type ServiceDeps } from '../../src/service.ts'
import { startEmulator, type Emulator, type EmulatorOptions } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import type { TelegramGateway, GatewayDeps } from '../../src/telegram/gateway.ts'
import { loggerOptions } from '../../src/core/logger.ts'
import type { ServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { DEFAULT_FLOOD_WAIT_MAX_SECONDS, DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS, type Config } from '../../src/config/config.ts'
import type { LiveSinks, SinkDeps } from '../../src/live/sinks/start-sinks.ts'
import { createSinkMetrics, type SinkMetrics } from '../../src/metrics/sink-metrics.ts'
import type { Clock } from '../../src/core/clock.ts'
import type { LiveHub, LiveHubOptions } from '../../src/live/live-hub.ts'

export interface ServiceOptions {
  emulator?: EmulatorOptions
  /** Reuse a running emulator (it is not stopped by close()). */
  sharedEmulator?: Emulator
  store?: BlobStore
  sessionKey?: Buffer | null
  apiToken?: string
  /** ALLOWED_HOSTS and CORS_ORIGINS, as src/main.ts passes them. */
  allowedHosts?: string[]
  corsOrigins?: string[]
  gateway?: Partial<Pick<GatewayDeps, 'floodWaitThreshold' | 'callTimeoutMs' | 'historyConcurrency' | 'now' | 'connectWaitMs' | 'clock' | 'floodWaitMax'>>
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

  const open = async (): Promise<{ assembled: AssembledService; parts: Pick<Service, 'gateway' | 'live' | 'sinks' | 'app' | 'url'> }> => {
    const gatewayOptions: ServiceDeps['gateway'] = { ...options.gateway }
    if (options.callTimeoutMs) Object.defineProperty(gatewayOptions, 'callTimeoutMs', { get: options.callTimeoutMs, enumerable: true })
    // The service as src/main.ts assembles it; none of the sinks configured, none started.
    const { webhook = null, nats = null, liveChannels = null, sinkStartAt = null, ...sinkTimings } = options.sinks ?? {}
    const assembled = await assembleService({
      sessions: store!,
      telegram: {
        apiId: 1,
        apiHash: 'test',
        dc: { host: emulator.host, port: emulator.port, id: emulator.dcId },
        publicKeyPem: emulator.publicKeyPem,
      },
      log,
      config: { sessionEncryptionKey: options.sessionKey ?? null, floodWaitMaxSeconds: DEFAULT_FLOOD_WAIT_MAX_SECONDS, floodWaitThresholdSeconds: DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS, webhook, nats, liveChannels, sinkStartAt },
      metrics: options.metrics,
      sinkMetrics,
      gateway: gatewayOptions,
      live: options.live,
      sinks: sinkTimings,
      app: {
        sandbox: false,
        apiToken: options.apiToken,
        allowedHosts: options.allowedHosts,
        corsOrigins: options.corsOrigins,
        ...(options.now ? { now: options.now } : {}),
        ...(options.streamClock ? { clock: options.streamClock } : {}),
      },
    })
    const url = await assembled.app.listen({ host: '127.0.0.1', port: 0 })
    const { gateway, live, sinks, app } = assembled
    return { assembled, parts: { gateway, live, sinks, app, url } }
  }

  let current = await open()
  const service: Service = {
    emulator,
    store,
    ...current.parts,
    logText: () => lines.join(''),
    async restart(whileDown) {
      await current.assembled.close()
      await whileDown?.()
      current = await open()
      Object.assign(service, current.parts)
    },
    async close() {
      await current.assembled.close()
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
export async function signInWithCode(url: string, emulator: Pick<Emulator, 'lastCode'>, phone: string, headers: Record<string, string> = {}): Promise<void> {
  assert.equal((await signIn(url, { phone }, headers)).status, 206)
  assert.equal((await signIn(url, { phone, password: emulator.lastCode(phone) }, headers)).status, 200)
}
