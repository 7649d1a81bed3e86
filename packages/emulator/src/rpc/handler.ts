import type { TlObject } from '../tl/tl-object.ts'
import type { Accounts } from '../world/accounts.ts'
import type { Viewer } from '../world/viewer.ts'
import type { World } from '../world/world.ts'
import type { RpcCall } from './dispatcher.ts'
import { RpcError } from './rpc-error.ts'

/** Where clients should connect: help.getConfig's dc_options point here. */
export interface DcAddress {
  dcId: number
  host: string
  port: number
}

export interface HandlerContext {
  call: RpcCall
  world: World
  accounts: Accounts
  /** Milliseconds since the epoch. */
  clock: () => number
  /** The DC the call arrived on. */
  dc: DcAddress
  /** Every DC of the cluster (help.getConfig's dc_options). */
  dcs: readonly DcAddress[]
  /** The signed-in account of the call's auth key, if any. */
  viewer: Viewer | undefined
}

export interface MethodHandler {
  /** false: callable before sign-in (auth.*, help.*); true: 401 AUTH_KEY_UNREGISTERED until then. */
  signedIn: boolean
  run(ctx: HandlerContext, params: TlObject): unknown
}

/** One service area's methods, keyed by TL method name (`messages.getHistory`). */
export type HandlerTable = Readonly<Record<string, MethodHandler>>

/** The viewer of a call that must be signed in (the dispatcher has checked it). */
export function viewerOf(ctx: HandlerContext): Viewer {
  if (!ctx.viewer) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED')
  return ctx.viewer
}

/** Unix seconds from the context's clock. */
export function nowSeconds(ctx: HandlerContext): number {
  return Math.floor(ctx.clock() / 1000)
}
