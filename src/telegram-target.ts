/**
 * Which Telegram the process talks to: the configured one (credentials, optionally another DC
 * and its key), or — with no credentials — the sandbox emulator, started here beside the session.
 * Shared by the service and `npm run sign-in`, so both always reach the same place. The
 * sandbox, and with it the emulator, is imported only in sandbox mode.
 */
import type { Config } from './config/config.ts'
import type { Sandbox } from './sandbox/sandbox.ts'
import type { BlobStore } from './sessions/blob-store.ts'
import type { TelegramSettings } from './telegram/gateway.ts'
import type { TelegramLog } from './telegram/calls/mtcute-log.ts'

export interface TelegramTarget {
  telegram: TelegramSettings
  /** Present in sandbox mode; the caller stops it after the gateway. */
  sandbox?: Sandbox | undefined
}

export async function openTelegramTarget(config: Config, store: BlobStore, log: TelegramLog): Promise<TelegramTarget> {
  if (config.sandbox) {
    // Loaded here and only here: a production process never loads the emulator (packages/emulator).
    const { startSandbox } = await import('./sandbox/sandbox.ts')
    const sandbox = await startSandbox({ store, sessionKey: config.sessionEncryptionKey, log })
    return { telegram: sandbox.telegram, sandbox }
  }
  return {
    telegram: {
      apiId: config.apiId!,
      apiHash: config.apiHash!,
      dc: config.telegramDc ?? undefined,
      dcAddresses: config.telegramDcAddresses,
      publicKeyPem: config.telegramPublicKey ?? undefined,
    },
  }
}
