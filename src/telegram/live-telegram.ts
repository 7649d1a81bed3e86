/**
 * What the live feed needs from the Telegram side, and nothing more: the gateway provides it
 * from its mtcute client (updates on). Calls go through the one flood-controlled seam.
 */
import type { PeersIndex, tl } from '@mtcute/core'
import type { FloodWaitPolicy, RpcCaller } from './calls/call-with-flood-wait.ts'

export interface LiveTelegram {
  readonly caller: RpcCaller
  readonly policy: FloodWaitPolicy
  authorized(): boolean
  /** Every update mtcute's update manager hands on, in pts order per channel, gaps filled. */
  onUpdate(listener: (update: tl.TypeUpdate, peers: PeersIndex) => void): () => void
  /** mtcute met updates.channelDifferenceTooLong: the channel's missed posts must be read from history. */
  onChannelTooLong(listener: (channelId: number) => void): () => void
  /** The connection came back after being down (pushes may have been lost meanwhile). */
  onReconnected(listener: () => void): () => void
  /** The login ended: signed out (POST /sign_out) or revoked by Telegram. */
  onSignedOut(listener: (reason: 'signed_out' | 'revoked') => void): () => void
}
