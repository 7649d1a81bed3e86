/**
 * A whole Telegram in one object: RSA key, five DCs (dc-cluster.ts) with their auth keys, one
 * world and one set of accounts, wired together. Tests and sandbox mode start it here;
 * `cli.ts` runs it standalone. `host`/`port` are the default DC's (DC 2): where a new client
 * starts. Everything it must remember across restarts is in `snapshot()`.
 */
import { generateRsaServerKey, loadRsaServerKey } from './crypto/rsa-server-key.ts'
import { DcCluster, type DataCenter } from './dc-cluster.ts'
import type { AuthKeyStoreJson } from './mtproto/auth-key-store.ts'
import type { DcAddress } from './rpc/handler.ts'
import { ChannelRefusals } from './channel-refusals.ts'
import { Faults } from './faults.ts'
import type { UpdatePush } from './update-push.ts'
import { FloodControl, type RateRule } from './flood-control.ts'
import type { FloodSemantics } from './flood-semantics.ts'
import { Accounts, type AccountsState } from './world/accounts.ts'
import { generateWorld, type WorldOptions } from './world/generate-world.ts'
import { DEFAULT_DC_ID } from './world/phone-directory.ts'
import type { World, WorldChannel } from './world/world.ts'
import type { ChannelEvent } from './world/channel-log.ts'
import { deleteMessages, editMessage, postMessage } from './world/living-world.ts'
import { accountViewer } from './world/viewer.ts'
import { channelEventPush } from './rpc/channel-updates.ts'

export { DEFAULT_DC_ID } from './world/phone-directory.ts'
export const DEFAULT_LOGIN_CODE = '12345'

/** What a restarted emulator needs to recognise its clients: key, their auth keys per DC, its world. */
export interface EmulatorSnapshot {
  version: 2
  /** PKCS#8 PEM of the server's RSA key. */
  rsaPrivateKeyPem: string
  /** Each DC's auth keys. */
  dcs: { id: number; authKeys: AuthKeyStoreJson }[]
  accounts: AccountsState
  world: WorldOptions
}

/** The single-DC snapshot of earlier versions: its keys were the default DC's. */
export interface EmulatorSnapshotV1 {
  version: 1
  rsaPrivateKeyPem: string
  authKeys: AuthKeyStoreJson
  accounts: AccountsState
  world: WorldOptions
}

export interface EmulatorOptions {
  host?: string
  /** The default DC's port; 0 (default): an ephemeral port. */
  port?: number
  /** Ports of the other DCs by id (default: ephemeral). */
  ports?: Partial<Record<number, number>>
  /** The default DC: where `host`/`port` point (default 2). */
  dcId?: number
  /** The world to generate; ignored when a snapshot is given (it carries its own). */
  world?: WorldOptions
  /** The login code every phone receives (default 12345). */
  code?: string
  /** A two-step password for every account. */
  twoFactorPassword?: string
  passwordHint?: string
  /** Phone numbers' home DCs beyond the 99966XYYYY rule, and marks (world/phone-directory.ts). */
  phones?: { homeDcs?: Record<string, number>; unregistered?: string[]; emailSetupRequired?: string[] }
  /** Every QR login token is accepted by this phone's account `afterMs` after it is issued. */
  qrAutoAccept?: { phone: string; afterMs: number }
  /** Restores key, auth keys, accounts and world from an earlier run. */
  snapshot?: EmulatorSnapshot | EmulatorSnapshotV1
  /** PEM of an RSA private key to use instead of generating one. */
  rsaPrivateKeyPem?: string
  /** Milliseconds since the epoch (default Date.now): code expiry, msg_ids, salts. */
  clock?: () => number
  /** Rate limits per account and method, as `floodControl.setRate` sets them (default: none). */
  rates?: readonly RateRule[]
  /** The clock flood control refills buckets and times waits by (default `clock`). */
  floodClock?: () => number
  /** How flood control behaves where Telegram documents nothing (src/emulator/flood-semantics.ts; default: refill during waits, early calls ignored, fixed waits). */
  floodSemantics?: Partial<FloodSemantics>
  /** Events each channel keeps for updates.getChannelDifference; a client further behind gets TooLong. */
  replayLimit?: number
  /** Seed for phone code hashes and other emulator randomness. */
  seed?: number
  /** Channels and supergroups one account may be in before CHANNELS_TOO_MUCH (default 500). */
  channelLimit?: number
  log?: (line: string) => void
}

export interface Emulator {
  /** The default DC's address. */
  readonly host: string
  readonly port: number
  /** The default DC's id. */
  readonly dcId: number
  /** PKCS#1 PEM, what clients are given. */
  readonly publicKeyPem: string
  readonly world: World
  readonly faults: Faults
  /** Channels that answer CHANNEL_PRIVATE / CHANNEL_INVALID to calls naming them. */
  readonly refusals: ChannelRefusals
  /** Rate limits (`setRate`, `changeRate`, `scheduleRate`, `clearRates`, `semantics`) and their counters. */
  readonly floodControl: FloodControl
  readonly accounts: Accounts
  /** Server → client pushes, to a key or to every key of an account. */
  readonly updates: UpdatePush
  /** One DC: its address, auth keys and connection counts. */
  dc(id: number): DataCenter
  /** Every DC's address, as help.getConfig lists them. */
  dcAddresses(): DcAddress[]
  /** The last login code sent to a phone (tests read it like an SMS). */
  lastCode(phone: string): string | undefined
  setTwoFactorPassword(phone: string, password: string | null, hint?: string): void
  /** Moves the account behind `phone` (existing or not) to DC `dcId`. */
  setHomeDc(phone: string, dcId: number): void
  /** Marks a phone as having no Telegram account (or, with false, clears the mark). */
  setUnregistered(phone: string, value?: boolean): void
  /** Marks a phone that must set up a login e-mail before a code is sent. */
  setEmailSetupRequired(phone: string, value?: boolean): void
  /** What the phone app does on scanning a QR code: the token's waiting key is signed in as `phone`'s account. */
  acceptLoginToken(token: Buffer, phone: string): void
  /**
   * The living world: a new post in a channel (text invented when absent), an edit, a deletion.
   * Each advances the channel's pts and is pushed to every session that wants updates.
   */
  post(channelId: number, text?: string): ChannelEvent
  edit(channelId: number, messageId: number, text: string): ChannelEvent
  delete(channelId: number, messageIds: readonly number[]): ChannelEvent
  /** Closes every client connection at once (clients reconnect by themselves). */
  dropConnections(): void
  /** Forces every session's next message to meet bad_server_salt. */
  rotateSalts(): void
  /** Calls `listener` after anything the snapshot holds has changed. */
  onChange(listener: () => void): () => void
  snapshot(): EmulatorSnapshot
  stop(): Promise<void>
}

/** Methods after which the accounts state may have changed (sign-ins, logouts, joins, leaves). */
const STATEFUL_METHOD = /^(auth\.|account\.|channels\.(joinChannel|leaveChannel)$|messages\.importChatInvite$)/

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? Date.now
  const snapshot = options.snapshot
  const defaultDc = options.dcId ?? DEFAULT_DC_ID
  const rsaKey = snapshot
    ? loadRsaServerKey(snapshot.rsaPrivateKeyPem)
    : options.rsaPrivateKeyPem
      ? loadRsaServerKey(options.rsaPrivateKeyPem)
      : generateRsaServerKey()
  const worldOptions: WorldOptions = snapshot?.world ?? options.world ?? defaultWorldOptions(clock)
  const world = generateWorld(worldOptions)
  const accountOptions = {
    seed: options.seed ?? worldOptions.seed,
    clock,
    loginCode: options.code ?? DEFAULT_LOGIN_CODE,
    ...(options.twoFactorPassword !== undefined ? { twoFactorPassword: options.twoFactorPassword } : {}),
    ...(options.passwordHint !== undefined ? { passwordHint: options.passwordHint } : {}),
    qrAutoAccept: options.qrAutoAccept,
    ...(options.channelLimit !== undefined ? { channelLimit: options.channelLimit } : {}),
  }
  const accounts = snapshot ? Accounts.fromJSON(snapshot.accounts, accountOptions) : new Accounts(accountOptions)
  for (const [phone, dcId] of Object.entries(options.phones?.homeDcs ?? {})) accounts.setHomeDc(phone, dcId)
  for (const phone of options.phones?.unregistered ?? []) accounts.setUnregistered(phone)
  for (const phone of options.phones?.emailSetupRequired ?? []) accounts.setEmailSetupRequired(phone)
  const faults = new Faults()
  const refusals = new ChannelRefusals()
  const floodControl = new FloodControl(options.floodClock ?? clock, options.rates ?? [], options.floodSemantics, clock)

  const listeners = new Set<() => void>()
  const changed = (): void => {
    for (const listener of listeners) listener()
  }

  const cluster = await DcCluster.start({
    host: options.host ?? '127.0.0.1',
    ports: { ...options.ports, [defaultDc]: options.port ?? 0 },
    rsaKey,
    world,
    accounts,
    faults,
    refusals,
    floodControl,
    clock,
    authKeys: snapshotAuthKeys(snapshot, defaultDc),
    afterCall: (call) => {
      if (STATEFUL_METHOD.test(call.method._)) changed()
    },
    log: options.log,
  })
  cluster.onAuthKeysChange(changed)
  faults.onRotateSalts(() => cluster.rotateSalts())
  if (options.replayLimit !== undefined) for (const channel of world.channels) channel.log.replayLimit = options.replayLimit

  const nowSeconds = (): number => Math.floor(clock() / 1000)
  const channelById = (id: number): WorldChannel => {
    const channel = world.channelsById.get(id)
    if (!channel) throw new Error(`no channel ${id} in the world`)
    return channel
  }
  // Every account that sees the channel is told, on each key it is signed in with.
  const announce = (channel: WorldChannel, event: ChannelEvent): ChannelEvent => {
    for (const userId of accounts.signedInUsers()) {
      const user = accounts.userById(userId)
      if (!user) continue
      const viewer = accountViewer(world, accounts, user)
      const updates = viewer.isMember(channel.id) ? channelEventPush(world, viewer, channel, event, nowSeconds()) : undefined
      if (updates) cluster.updates.toUser(userId, updates)
    }
    return event
  }

  // updateLoginToken#564fe691 = Update; pushed to the waiting key when its token is accepted (/api/qr-login).
  accounts.loginTokens.onAccepted((record) => {
    if (record.authKeyId === 0n) return
    cluster.updates.toKey(record.dcId, record.authKeyId, { _: 'updateShort', update: { _: 'updateLoginToken' }, date: Math.floor(clock() / 1000) })
  })
  const timers = new Set<NodeJS.Timeout>()
  const autoAcceptMs = accounts.loginTokens.autoAcceptAfterMs
  if (autoAcceptMs !== undefined) {
    accounts.loginTokens.onIssued((record) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        accounts.loginTokens.settle(record)
      }, autoAcceptMs)
      timer.unref()
      timers.add(timer)
    })
  }

  const main = cluster.dc(defaultDc)
  return {
    host: main.host,
    port: main.port,
    dcId: defaultDc,
    publicKeyPem: rsaKey.publicKeyPem,
    world,
    faults,
    refusals,
    floodControl,
    accounts,
    updates: cluster.updates,
    dc: (id) => cluster.dc(id),
    dcAddresses: () => cluster.list(),
    lastCode: (phone) => accounts.lastCode(phone),
    post(channelId, text) {
      const channel = channelById(channelId)
      return announce(channel, postMessage(world, channel, nowSeconds(), text))
    },
    edit(channelId, messageId, text) {
      const channel = channelById(channelId)
      const event = editMessage(channel, messageId, nowSeconds(), text)
      if (!event) throw new Error(`no message ${messageId} in channel ${channelId}`)
      return announce(channel, event)
    },
    delete(channelId, messageIds) {
      const channel = channelById(channelId)
      const event = deleteMessages(channel, messageIds, nowSeconds())
      if (!event) throw new Error(`none of ${messageIds.join(', ')} is in channel ${channelId}`)
      return announce(channel, event)
    },
    dropConnections: () => cluster.dropConnections(),
    setTwoFactorPassword(phone, password, hint) {
      accounts.setTwoFactorPassword(phone, password, hint)
      changed()
    },
    setHomeDc(phone, dcId) {
      accounts.setHomeDc(phone, dcId)
      changed()
    },
    setUnregistered(phone, value) {
      accounts.setUnregistered(phone, value)
      changed()
    },
    setEmailSetupRequired(phone, value) {
      accounts.setEmailSetupRequired(phone, value)
      changed()
    },
    acceptLoginToken(token, phone) {
      accounts.acceptLoginToken(token, phone)
      changed()
    },
    rotateSalts: () => cluster.rotateSalts(),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    snapshot: () => ({
      version: 2,
      rsaPrivateKeyPem: rsaKey.privateKeyPem,
      dcs: Object.entries(cluster.authKeysJson()).map(([id, authKeys]) => ({ id: Number(id), authKeys })),
      accounts: accounts.toJSON(),
      world: worldOptions,
    }),
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      await cluster.close()
    },
  }
}

function snapshotAuthKeys(snapshot: EmulatorSnapshot | EmulatorSnapshotV1 | undefined, defaultDc: number): Partial<Record<number, AuthKeyStoreJson>> {
  if (!snapshot) return {}
  if (snapshot.version === 1) return { [defaultDc]: snapshot.authKeys }
  return Object.fromEntries(snapshot.dcs.map((dc) => [dc.id, dc.authKeys]))
}

/** A small world for tests that do not care: two channels, a day of messages. */
function defaultWorldOptions(clock: () => number): WorldOptions {
  return { seed: 1, channels: 2, messagesPerChannel: 50, spanSeconds: 86_400, now: Math.floor(clock() / 1000) }
}
