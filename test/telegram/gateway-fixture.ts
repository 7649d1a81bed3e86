/**
 * Starts the project's emulator and opens gateways on file stores in a temporary directory,
 * with a logger that keeps every line so tests can check what was (and was not) logged.
 * `close()` closes every gateway it opened, stops the emulator and removes the directory.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator, type EmulatorOptions } from '@telegram-connector/emulator'
import { AppError } from '../../src/core/errors.ts'
import type { TelegramClient } from '@mtcute/node'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { TelegramGateway, type GatewayDeps } from '../../src/telegram/gateway.ts'
import { createMtcuteClient } from '../../src/telegram/calls/mtcute-client.ts'
import type { TelegramLog } from '../../src/telegram/calls/mtcute-log.ts'
import type { TelethonDict } from '../../src/telegram/history/telethon-shape.ts'

export class CapturedLog implements TelegramLog {
  readonly lines: string[] = []
  debug(obj: object, msg?: string): void {
    this.push('debug', obj, msg)
  }
  info(obj: object, msg?: string): void {
    this.push('info', obj, msg)
  }
  warn(obj: object, msg?: string): void {
    this.push('warn', obj, msg)
  }
  error(obj: object, msg?: string): void {
    this.push('error', obj, msg)
  }
  text(): string {
    return this.lines.join('\n')
  }
  private push(level: string, obj: object, msg: string | undefined): void {
    this.lines.push(`${level} ${msg ?? ''} ${JSON.stringify(obj, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`)
  }
}

export interface Harness {
  emulator: Emulator
  dir: string
  log: CapturedLog
  /** A file store in the harness directory (`name` picks one of several). */
  store(name?: string): FileStore
  /** Opens a gateway against the emulator; closed by `close()` unless closed before. */
  open(store: FileStore, extra?: Partial<GatewayDeps>): Promise<TelegramGateway>
  /** A phone number not used before in this harness. */
  phone(): string
  /** Signs a new account in through the gateway (phone, then the emulator's code). */
  signIn(gateway: TelegramGateway): Promise<void>
  /** Everything the account's channels hold in the emulator's world span. */
  readAll(gateway: TelegramGateway): Promise<TelethonDict[]>
  close(): Promise<void>
}

/** A predicate for assert.rejects: an AppError with this code. */
export const isAppError = (code: string) => (err: unknown): boolean => err instanceof AppError && err.code === code

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({ seed: 5, ...options })
  const dir = await mkdtemp(join(tmpdir(), 'tc-gateway-'))
  const log = new CapturedLog()
  const opened: TelegramGateway[] = []
  let nextPhone = 0
  const phone = (): string => `+1666${String(1_000_000 + nextPhone++).slice(1)}`
  return {
    emulator,
    dir,
    log,
    store: (name = 'session') => new FileStore(join(dir, name)),
    async open(store, extra = {}) {
      const gateway = await TelegramGateway.open({
        store,
        telegram: {
          apiId: 12345,
          apiHash: '0123456789abcdef0123456789abcdef',
          dc: { host: emulator.host, port: emulator.port, id: emulator.dcId },
          publicKeyPem: emulator.publicKeyPem,
        },
        log,
        ...extra,
      })
      opened.push(gateway)
      return gateway
    },
    phone,
    async signIn(gateway) {
      const p = phone()
      await gateway.signIn({ phone: p })
      assert.deepEqual(await gateway.signIn({ phone: p, code: emulator.lastCode(p) }), { done: true })
    },
    async readAll(gateway) {
      const now = emulator.world.now * 1000
      const out: TelethonDict[] = []
      for await (const message of gateway.channelMessages({ startMs: now - 2 * 86_400_000, endMs: now + 60_000 })) out.push(message)
      return out
    },
    async close() {
      for (const gateway of opened) await gateway.close().catch(() => {})
      await emulator.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Signs a gateway on the harness's default store in, then opens a second mtcute client on the
 * same session: its calls go over TCP with the gateway's auth key. The caller destroys the client.
 */
export async function signedInClient(h: Harness, extra: Partial<GatewayDeps> = {}): Promise<{ gateway: TelegramGateway; client: TelegramClient }> {
  const gateway = await h.open(h.store(), extra)
  await h.signIn(gateway)
  const client = createMtcuteClient({
    apiId: 12345,
    apiHash: '0123456789abcdef0123456789abcdef',
    dc: { host: h.emulator.host, port: h.emulator.port, id: h.emulator.dcId },
    publicKeyPem: h.emulator.publicKeyPem,
    log: new CapturedLog(),
  })
  await client.importSession((await loadSessionRecord(h.store(), null)).session!)
  return { gateway, client }
}
