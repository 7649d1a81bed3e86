import { RpcError } from './rpc/rpc-error.ts'
import type { TlObject } from './tl/tl-object.ts'

/**
 * Channels Telegram stops letting the account read after listing them: banned since
 * (400 CHANNEL_PRIVATE), or gone (400 CHANNEL_INVALID). A refusal targets one channel and
 * answers every call that names it (as `peer` or `channel`), optionally only after the first
 * `afterCalls` of them were served, so a read can be refused part way.
 */
export interface ChannelRefusalOptions {
  /** Calls naming the channel that are still served before the refusals start (default 0). */
  afterCalls?: number
}

interface Refusal {
  text: string
  /** Calls still served before refusing. */
  served: number
}

export class ChannelRefusals {
  private readonly refusals = new Map<number, Refusal>()

  /** Calls naming `channelId` answer 400 `text` (CHANNEL_PRIVATE, CHANNEL_INVALID, ...). */
  refuse(channelId: number, text = 'CHANNEL_PRIVATE', options: ChannelRefusalOptions = {}): this {
    this.refusals.set(channelId, { text, served: Math.max(0, options.afterCalls ?? 0) })
    return this
  }

  /** Lifts the refusal of one channel, or of all. */
  clear(channelId?: number): void {
    if (channelId === undefined) this.refusals.clear()
    else this.refusals.delete(channelId)
  }

  /** Throws the refusal for a call that names a refused channel. */
  check(params: TlObject): void {
    const channelId = namedChannel(params.peer) ?? namedChannel(params.channel)
    if (channelId === undefined) return
    const refusal = this.refusals.get(channelId)
    if (refusal === undefined) return
    if (refusal.served > 0) {
      refusal.served--
      return
    }
    throw new RpcError(400, refusal.text)
  }
}

function namedChannel(input: unknown): number | undefined {
  const peer = input as TlObject | undefined
  if (peer === undefined || peer === null || typeof peer !== 'object') return undefined
  switch (peer._) {
    case 'inputPeerChannel':
    case 'inputPeerChannelFromMessage':
    case 'inputChannel':
    case 'inputChannelFromMessage':
      return Number(peer.channel_id)
    default:
      return undefined
  }
}
