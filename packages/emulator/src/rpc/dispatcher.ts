import { ChannelRefusals } from '../channel-refusals.ts'
import { Faults } from '../faults.ts'
import { FloodControl } from '../flood-control.ts'
import type { Accounts } from '../world/accounts.ts'
import { accountViewer, type Viewer } from '../world/viewer.ts'
import type { World } from '../world/world.ts'
import type { DcAddress, HandlerContext, HandlerTable, MethodHandler } from './handler.ts'
import { accountHandlers } from './handlers/account.ts'
import { authHandlers } from './handlers/auth.ts'
import { channelsHandlers } from './handlers/channels.ts'
import { contactsHandlers } from './handlers/contacts.ts'
import { helpHandlers } from './handlers/help.ts'
import { messagesHandlers } from './handlers/messages.ts'
import { updatesHandlers } from './handlers/updates.ts'
import { usersHandlers } from './handlers/users.ts'
import { DropConnectionSignal, RpcError } from './rpc-error.ts'

// The wire defines what a call is; the dispatcher is one implementation of its RpcDispatcher.
import type { RpcCall, RpcDispatcher } from '../mtproto/rpc-dispatcher.ts'
export type { RpcCall } from '../mtproto/rpc-dispatcher.ts'

export interface DispatcherOptions {
  world: World
  accounts: Accounts
  /** The DC this dispatcher serves; a function when the port is only known after listen. */
  dc: DcAddress | (() => DcAddress)
  /** Every DC of the cluster, for help.getConfig's dc_options (default: this one alone). */
  dcs?: () => readonly DcAddress[]
  faults?: Faults
  /** Channels that refuse the calls naming them. */
  refusals?: ChannelRefusals
  /** Rate limits per account and method (default: none). */
  floodControl?: FloodControl
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number
  /** How injected latency waits (default setTimeout). */
  sleep?: (ms: number) => Promise<void>
  /** Extra or replacement methods. */
  handlers?: HandlerTable
}

const ALL_HANDLERS: HandlerTable = {
  ...helpHandlers,
  ...authHandlers,
  ...accountHandlers,
  ...usersHandlers,
  ...updatesHandlers,
  ...contactsHandlers,
  ...channelsHandlers,
  ...messagesHandlers,
}

/**
 * Routes a method to its handler: counts it (and its time in flight), applies flood control and injected faults, refuses methods that
 * need a signed-in key (401 AUTH_KEY_UNREGISTERED; 303 USER_MIGRATE_<home> for a key signed in on a DC the
 * account has since left) and calls naming a refused channel, and answers unknown methods with
 * 400 INPUT_METHOD_INVALID_<name>. Errors other than RpcError and DropConnectionSignal become
 * 500 INTERNAL, with the original as `cause`.
 */
export class Dispatcher implements RpcDispatcher {
  readonly faults: Faults
  readonly refusals: ChannelRefusals
  readonly floodControl: FloodControl
  private readonly handlers: Map<string, MethodHandler>
  private readonly clock: () => number
  private readonly sleep: (ms: number) => Promise<void>

  private readonly options: DispatcherOptions

  constructor(options: DispatcherOptions) {
    this.options = options
    this.faults = options.faults ?? new Faults()
    this.refusals = options.refusals ?? new ChannelRefusals()
    this.handlers = new Map(Object.entries({ ...ALL_HANDLERS, ...options.handlers }))
    this.clock = options.clock ?? Date.now
    this.floodControl = options.floodControl ?? new FloodControl(this.clock)
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  get world(): World {
    return this.options.world
  }

  get accounts(): Accounts {
    return this.options.accounts
  }

  async dispatch(call: RpcCall): Promise<unknown> {
    const finished = this.faults.counters.start(call.method)
    try {
      return await this.answer(call)
    } finally {
      finished()
    }
  }

  private async answer(call: RpcCall): Promise<unknown> {
    const name = call.method._
    const dc = typeof this.options.dc === 'function' ? this.options.dc() : this.options.dc
    // Flood control judges the call as it arrives; its answer still takes the injected latency.
    // msg_id is seconds × 2³²: milliseconds, to a millisecond.
    const sentAt = call.msgId === undefined ? undefined : (Number(call.msgId >> 22n) * 1000) / 1024
    const refused = this.floodControl.admit(this.accountOf(call.authKeyId, dc.dcId), name, sentAt)
    await this.faults.apply(name, this.sleep)
    if (refused) {
      this.floodControl.answered(refused)
      throw refused
    }

    const handler = this.handlers.get(name)
    if (!handler) throw new RpcError(400, `INPUT_METHOD_INVALID_${name}`)

    const viewer = this.viewerFor(call.authKeyId, dc.dcId)
    if (handler.signedIn && !viewer) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
    if (handler.signedIn && viewer) this.assertStillHome(call.authKeyId, dc.dcId)
    this.refusals.check(call.method)

    const dcs = this.options.dcs?.() ?? [dc]
    const ctx: HandlerContext = { call, world: this.options.world, accounts: this.options.accounts, clock: this.clock, dc, dcs, viewer }
    try {
      return await handler.run(ctx, call.method)
    } catch (error) {
      if (error instanceof RpcError || error instanceof DropConnectionSignal) throw error
      const internal = new RpcError(500, 'INTERNAL')
      ;(internal as Error).cause = error
      throw internal
    }
  }

  /** Flood control counts per account: the signed-in user, or the auth key before a sign-in. */
  private accountOf(authKeyId: bigint, dcId: number): string {
    const user = this.options.accounts.userFor(authKeyId, dcId)
    return user ? `user:${user.id}` : `key:${dcId}:${authKeyId}`
  }

  /** A key signed in on the account's home DC follows the account when it moves (core.telegram.org/api/datacenter). */
  private assertStillHome(authKeyId: bigint, dcId: number): void {
    const binding = this.options.accounts.bindingFor(authKeyId)
    if (!binding || binding.imported) return
    const home = this.options.accounts.homeDcOfUser(binding.userId)
    if (home !== dcId) throw new RpcError(303, `USER_MIGRATE_${home}`)
  }

  private viewerFor(authKeyId: bigint, dcId: number): Viewer | undefined {
    const user = this.options.accounts.userFor(authKeyId, dcId)
    return user ? accountViewer(this.options.world, this.options.accounts, user) : undefined
  }
}
