import type { TlObject } from '../../tl/tl-object.ts'
import { channelObject } from '../../world/peer-objects.ts'
import { channelDifference } from '../channel-updates.ts'
import { nowSeconds, viewerOf, type HandlerContext, type HandlerTable } from '../handler.ts'
import { resolveInputChannel } from '../input-peers.ts'
import { RpcError } from '../rpc-error.ts'
import { updatesState } from './messages.ts'

/**
 * updates.* (https://core.telegram.org/api/updates). The common sequence (private chats, basic
 * groups) never moves; channels have their own pts and difference.
 */
export const updatesHandlers: HandlerTable = {
  'updates.getState': { signedIn: true, run: updatesState },
  'updates.getDifference': { signedIn: true, run: getDifference },
  'updates.getChannelDifference': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const channel = resolveInputChannel(ctx.world, params.channel as TlObject)
      if (!viewer.isMember(channel.id)) throw new RpcError(400, 'CHANNEL_PRIVATE')
      return channelDifference(ctx.world, viewer, channel, Number(params.pts), Number(params.limit))
    },
  },
}

/**
 * updates.getDifference#19c2f763 flags:# pts:int pts_limit:flags.1?int pts_total_limit:flags.0?int
 *   date:int qts:int qts_limit:flags.2?int = updates.Difference
 * Nothing moved in the common sequence; channels with events after `date` are named with
 * updateChannelTooLong#108d941f (their pts given), telling the client to fetch their difference.
 */
function getDifference(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const since = Number(params.date)
  const changed = ctx.world.channels.filter((channel) => viewer.isMember(channel.id) && channel.log.changedSince(since))
  if (changed.length === 0) return { _: 'updates.differenceEmpty', date: nowSeconds(ctx), seq: 1 }
  return {
    _: 'updates.difference',
    new_messages: [],
    new_encrypted_messages: [],
    other_updates: changed.map((channel) => ({ _: 'updateChannelTooLong', channel_id: channel.id, pts: channel.log.pts })),
    chats: changed.map((channel) => channelObject(channel, true)),
    users: [],
    state: updatesState(ctx),
  }
}
