/**
 * Telegram's five data centres (core.telegram.org/api/datacenter) as five listening servers
 * sharing one RSA key, one world and one set of accounts. Each DC has its own address, its own
 * auth keys (a key made on DC 2 is unknown on DC 4: transport error -404, as on Telegram), its
 * own salts and message-id clock, and a dispatcher that knows which DC it serves — where
 * PHONE_MIGRATE, USER_MIGRATE and the QR token migration are decided (world/accounts.ts).
 */
import type { RsaServerKey } from './crypto/rsa-server-key.ts'
import type { ChannelRefusals } from './channel-refusals.ts'
import type { Faults } from './faults.ts'
import type { FloodControl } from './flood-control.ts'
import { AuthKeyStore, type AuthKeyStoreJson } from './mtproto/auth-key-store.ts'
import type { DcAddress } from './rpc/handler.ts'
import { Dispatcher, type RpcCall } from './rpc/dispatcher.ts'
import { EmulatorServer } from './server.ts'
import { UpdatePush } from './update-push.ts'
import type { Accounts } from './world/accounts.ts'
import { DC_IDS } from './world/phone-directory.ts'
import type { World } from './world/world.ts'

export interface DcClusterOptions {
  host: string
  /** Port per DC id; absent or 0: an ephemeral port. */
  ports: Readonly<Partial<Record<number, number>>>
  rsaKey: RsaServerKey
  world: World
  accounts: Accounts
  faults: Faults
  /** Channels that refuse the calls naming them, on every DC. */
  refusals: ChannelRefusals
  /** Rate limits per account and method, shared by every DC. */
  floodControl: FloodControl
  clock: () => number
  /** Auth keys per DC id from an earlier run. */
  authKeys: Readonly<Partial<Record<number, AuthKeyStoreJson>>>
  /** Called after every call (the emulator decides whether its state changed). */
  afterCall: (call: RpcCall) => void
  log?: ((line: string) => void) | undefined
}

/** One DC of the cluster. */
export interface DataCenter {
  readonly id: number
  readonly host: string
  readonly port: number
  readonly authKeys: AuthKeyStore
  /** Open TCP connections right now. */
  readonly connections: number
  /** TCP connections accepted since start. */
  readonly connectionsAccepted: number
}

export class DcCluster {
  readonly updates: UpdatePush
  private readonly servers = new Map<number, EmulatorServer>()
  private readonly stores = new Map<number, AuthKeyStore>()
  private readonly addresses = new Map<number, DcAddress>()

  private readonly options: DcClusterOptions

  private constructor(options: DcClusterOptions) {
    this.options = options
    this.updates = new UpdatePush(this.servers, (userId) => options.accounts.keysOf(userId))
  }

  static async start(options: DcClusterOptions): Promise<DcCluster> {
    const cluster = new DcCluster(options)
    try {
      for (const id of DC_IDS) await cluster.open(id)
    } catch (err) {
      await cluster.close()
      throw err
    }
    return cluster
  }

  dc(id: number): DataCenter {
    const server = this.servers.get(id)
    const address = this.addresses.get(id)
    if (!server || !address) throw new RangeError(`DC ${id} does not exist (DCs are 1–5)`)
    return {
      id,
      host: address.host,
      port: address.port,
      authKeys: this.stores.get(id)!,
      get connections() {
        return server.connections
      },
      get connectionsAccepted() {
        return server.connectionsAccepted
      },
    }
  }

  /** Every DC's address, in id order (what help.getConfig lists). */
  list(): DcAddress[] {
    return [...this.addresses.values()].sort((a, b) => a.dcId - b.dcId)
  }

  onAuthKeysChange(listener: () => void): void {
    for (const store of this.stores.values()) store.onChange(listener)
  }

  /** Closes every client connection of every DC; the DCs go on listening. */
  dropConnections(): void {
    for (const server of this.servers.values()) server.dropConnections()
  }

  rotateSalts(): void {
    for (const server of this.servers.values()) server.rotateSalts()
  }

  authKeysJson(): Record<number, AuthKeyStoreJson> {
    return Object.fromEntries([...this.stores].map(([id, store]) => [id, store.toJSON()]))
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.close()))
  }

  private async open(id: number): Promise<void> {
    const { options } = this
    const saved = options.authKeys[id]
    const authKeys = saved ? AuthKeyStore.restore(saved) : new AuthKeyStore()
    const dispatcher = new Dispatcher({
      world: options.world,
      accounts: options.accounts,
      faults: options.faults,
      refusals: options.refusals,
      floodControl: options.floodControl,
      clock: options.clock,
      dc: () => this.addresses.get(id)!,
      dcs: () => this.list(),
    })
    const log = options.log
    const server = new EmulatorServer({
      host: options.host,
      port: options.ports[id] ?? 0,
      rsaKey: options.rsaKey,
      authKeys,
      dcId: id,
      now: options.clock,
      ...(log ? { log: (line: string) => log(`dc ${id} ${line}`) } : {}),
      strayAnswer: (method) => options.faults.takeStrayAnswer(method),
      dispatcher: {
        async dispatch(call: RpcCall): Promise<unknown> {
          try {
            return await dispatcher.dispatch(call)
          } finally {
            options.afterCall(call)
          }
        },
      },
    })
    this.stores.set(id, authKeys)
    this.servers.set(id, server)
    const { host, port } = await server.listen()
    this.addresses.set(id, { dcId: id, host, port })
  }
}
