/**
 * An mtcute TelegramClient pointed at a running emulator, set up the way any application would
 * point it at a Telegram DC: the DC's public key added to mtcute's key table, the DC's address
 * as its default DCs, a fresh in-memory storage. Nothing of the emulator is used beyond its
 * address and public key.
 */
import { MemoryStorage } from '@mtcute/core'
import { TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'

export interface EmulatorAddress {
  host: string
  port: number
  dcId: number
  /** PKCS#1 PEM of the DC's RSA key. */
  publicKeyPem: string
}

export interface MtcuteClientOptions {
  /** mtcute's log level (0 silent … 5 verbose); default 0. */
  logLevel?: number
  /** mtcute's update manager settings (updates are on unless `disableUpdates`). */
  updates?: ConstructorParameters<typeof TelegramClient>[0]['updates']
  disableUpdates?: boolean
}

export function mtcuteClientFor(emulator: EmulatorAddress, options: MtcuteClientOptions = {}): TelegramClient {
  // The key table is per module copy, so it is filled from this ESM module, like the client.
  addPublicKey(new NodeCryptoProvider(), emulator.publicKeyPem)
  const dc = { id: emulator.dcId, ipAddress: emulator.host, port: emulator.port }
  return new TelegramClient({
    apiId: 1,
    apiHash: 'emulator',
    storage: new MemoryStorage(),
    logLevel: options.logLevel ?? 0,
    ...(options.updates !== undefined ? { updates: options.updates } : {}),
    ...(options.disableUpdates !== undefined ? { disableUpdates: options.disableUpdates } : {}),
    // mtcute requires main.id === media.id; a DC that serves media is the same emulator.
    defaultDcs: { main: dc, media: { ...dc, mediaOnly: true } },
  })
}
