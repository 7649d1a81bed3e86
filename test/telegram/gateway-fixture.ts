/**
 * Starts the project's emulator and opens gateways on file stores in a temporary directory,
 * with a logger that keeps every line so tests can check what was (and was not) logged.
 * `close()` closes every gateway it opened, stops the emulator and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { TelegramGateway, type GatewayDeps } from '../../src/telegram/gateway.ts'
import type { TelegramLog } from '../../src/telegram/mtcute-client.ts'

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
  close(): Promise<void>
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({ seed: 5, ...options })
  const dir = await mkdtemp(join(tmpdir(), 'tc-gateway-'))
  const log = new CapturedLog()
  const opened: TelegramGateway[] = []
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
    async close() {
      for (const gateway of opened) await gateway.close().catch(() => {})
      await emulator.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
