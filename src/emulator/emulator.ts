/**
 * A whole Telegram DC in one object: RSA key, auth keys, world, accounts, RPC dispatcher and
 * the TCP server, wired together. Tests and sandbox mode start it here; `cli.ts` runs it
 * standalone. Everything it must remember across restarts is in `snapshot()`.
 */
import { generateRsaServerKey, loadRsaServerKey } from './crypto/rsa-server-key.ts'
import { AuthKeyStore, type AuthKeyStoreJson } from './mtproto/auth-key-store.ts'
import { EmulatorServer } from './server.ts'
import { Dispatcher, type RpcCall } from './rpc/dispatcher.ts'
import { Faults } from './faults.ts'
import { Accounts, type AccountsState } from './world/accounts.ts'
import { generateWorld, type WorldOptions } from './world/generate-world.ts'
import type { World } from './world/world.ts'

export const DEFAULT_LOGIN_CODE = '12345'
export const DEFAULT_DC_ID = 2

/** What a restarted emulator needs to recognise its clients: key, their auth keys, its world. */
export interface EmulatorSnapshot {
  version: 1
  /** PKCS#8 PEM of the server's RSA key. */
  rsaPrivateKeyPem: string
  authKeys: AuthKeyStoreJson
  accounts: AccountsState
  world: WorldOptions
}

export interface EmulatorOptions {
  host?: string
  /** 0 (default): an ephemeral port. */
  port?: number
  dcId?: number
  /** The world to generate; ignored when a snapshot is given (it carries its own). */
  world?: WorldOptions
  /** The login code every phone receives (default 12345). */
  code?: string
  /** A two-step password for every account. */
  twoFactorPassword?: string
  passwordHint?: string
  /** Restores key, auth keys, accounts and world from an earlier run. */
  snapshot?: EmulatorSnapshot
  /** PEM of an RSA private key to use instead of generating one. */
  rsaPrivateKeyPem?: string
  /** Milliseconds since the epoch (default Date.now): code expiry, msg_ids, salts. */
  clock?: () => number
  /** Seed for phone code hashes and other emulator randomness. */
  seed?: number
  log?: (line: string) => void
}

export interface Emulator {
  readonly host: string
  readonly port: number
  readonly dcId: number
  /** PKCS#1 PEM, what clients are given. */
  readonly publicKeyPem: string
  readonly world: World
  readonly faults: Faults
  readonly accounts: Accounts
  /** The last login code sent to a phone (tests read it like an SMS). */
  lastCode(phone: string): string | undefined
  setTwoFactorPassword(phone: string, password: string | null, hint?: string): void
  /** Forces every session's next message to meet bad_server_salt. */
  rotateSalts(): void
  /** Calls `listener` after anything the snapshot holds has changed. */
  onChange(listener: () => void): () => void
  snapshot(): EmulatorSnapshot
  stop(): Promise<void>
}

/** Methods after which the accounts state may have changed (sign-ins, logouts, joins). */
const STATEFUL_METHOD = /^(auth\.|account\.|channels\.joinChannel$)/

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? Date.now
  const snapshot = options.snapshot
  const rsaKey = snapshot
    ? loadRsaServerKey(snapshot.rsaPrivateKeyPem)
    : options.rsaPrivateKeyPem
      ? loadRsaServerKey(options.rsaPrivateKeyPem)
      : generateRsaServerKey()
  const authKeys = snapshot ? AuthKeyStore.restore(snapshot.authKeys) : new AuthKeyStore()
  const worldOptions: WorldOptions = snapshot?.world ?? options.world ?? defaultWorldOptions(clock)
  const world = generateWorld(worldOptions)
  const accountOptions = {
    seed: options.seed ?? worldOptions.seed,
    clock,
    loginCode: options.code ?? DEFAULT_LOGIN_CODE,
    ...(options.twoFactorPassword !== undefined ? { twoFactorPassword: options.twoFactorPassword } : {}),
    ...(options.passwordHint !== undefined ? { passwordHint: options.passwordHint } : {}),
  }
  const accounts = snapshot ? Accounts.fromJSON(snapshot.accounts, accountOptions) : new Accounts(accountOptions)
  const faults = new Faults()
  const dcId = options.dcId ?? DEFAULT_DC_ID
  const host = options.host ?? '127.0.0.1'
  let port = options.port ?? 0

  const listeners = new Set<() => void>()
  const changed = (): void => {
    for (const listener of listeners) listener()
  }
  authKeys.onChange(changed)

  const dispatcher = new Dispatcher({ world, accounts, faults, clock, dc: () => ({ dcId, host, port }) })
  const server = new EmulatorServer({
    host,
    port,
    rsaKey,
    authKeys,
    dcId,
    now: clock,
    ...(options.log ? { log: options.log } : {}),
    dispatcher: {
      async dispatch(call: RpcCall): Promise<unknown> {
        try {
          return await dispatcher.dispatch(call)
        } finally {
          if (STATEFUL_METHOD.test(call.method._)) changed()
        }
      },
    },
  })
  faults.onRotateSalts(() => server.rotateSalts())
  port = (await server.listen()).port

  return {
    host,
    port,
    dcId,
    publicKeyPem: rsaKey.publicKeyPem,
    world,
    faults,
    accounts,
    lastCode: (phone) => accounts.lastCode(phone),
    setTwoFactorPassword(phone, password, hint) {
      accounts.setTwoFactorPassword(phone, password, hint)
      changed()
    },
    rotateSalts: () => server.rotateSalts(),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    snapshot: () => ({
      version: 1,
      rsaPrivateKeyPem: rsaKey.privateKeyPem,
      authKeys: authKeys.toJSON(),
      accounts: accounts.toJSON(),
      world: worldOptions,
    }),
    stop: () => server.close(),
  }
}

/** A small world for tests that do not care: two channels, a day of messages. */
function defaultWorldOptions(clock: () => number): WorldOptions {
  return { seed: 1, channels: 2, messagesPerChannel: 50, spanSeconds: 86_400, now: Math.floor(clock() / 1000) }
}
