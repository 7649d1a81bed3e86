/**
 * A real JetStream server for tests: `nats-server -js` on 127.0.0.1 and a free port, with its
 * store in a fresh temporary directory. `stop` and `start` restart it on the same port and
 * store (what it persisted survives, as in production); `close` stops it by its pid and
 * removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream'
import type { NatsConfig } from '../../src/config/config.ts'
import { freePort } from './service-process.ts'

/** NATS_* as the service's defaults give them, with no credentials: a sink's config but for its servers. */
export const NATS_DEFAULTS: Omit<NatsConfig, 'servers'> = { stream: 'TELEGRAM', subjectPrefix: 'telegram', creds: null, user: null, password: null, token: null }

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server'
const READY_TIMEOUT_MS = 20_000

export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string
  readonly running: boolean
  /** Stops the server (SIGKILL: as a crash; SIGTERM: a clean stop). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>
  /** Starts it again on the same port and store. */
  start(): Promise<void>
  close(): Promise<void>
}

export async function startNatsServer(options: { args?: string[] } = {}): Promise<NatsServer> {
  const directory = await mkdtemp(join(tmpdir(), 'nats-'))
  const port = await freePort()
  let child: ChildProcess | null = null

  const launch = async (): Promise<void> => {
    const process_ = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', directory, ...(options.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] })
    child = process_
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${output}`)), READY_TIMEOUT_MS)
      process_.stderr!.on('data', (chunk: Buffer) => {
        output += String(chunk)
        if (output.includes('Server is ready')) {
          clearTimeout(timer)
          resolve()
        }
      })
      process_.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`nats-server exited with ${code}: ${output}`))
      })
    })
    // Keep draining its log, so that a full pipe never blocks it.
    process_.stderr!.resume()
  }

  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    get running() {
      return child !== null
    },
    async stop(signal = 'SIGKILL') {
      const running = child
      child = null
      if (running === null || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill(signal)
      await exited
    },
    start: launch,
    async close() {
      await server.stop()
      await rm(directory, { recursive: true, force: true })
    },
  }
  try {
    await launch()
  } catch (err) {
    await rm(directory, { recursive: true, force: true })
    throw err
  }
  return server
}

/** A reader's connection, as a consumer on another machine has: it reconnects at once after a restart. */
export function connectReader(server: NatsServer): Promise<NatsConnection> {
  return connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 })
}

/**
 * Every message of a stream, in order, read one by one; none while the server is away (or the
 * reader still reconnecting: its requests are then lost, so a short timeout asks again soon).
 */
export async function storedMessages(reader: NatsConnection, stream: string): Promise<StoredMsg[]> {
  try {
    const manager = await jetstreamManager(reader, { timeout: 500 })
    const last = (await manager.streams.info(stream)).state.last_seq
    const messages: StoredMsg[] = []
    for (let seq = 1; seq <= last; seq++) {
      const message = await manager.streams.getMessage(stream, { seq })
      if (message === null) throw new Error(`message ${seq} of ${stream} not found`)
      messages.push(message)
    }
    return messages
  } catch {
    return []
  }
}
