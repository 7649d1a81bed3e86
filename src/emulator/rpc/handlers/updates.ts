import type { TlObject } from '../../tl/tl-object.ts'
import { channelPts } from '../dialogs.ts'
import { nowSeconds, type HandlerTable } from '../handler.ts'
import { resolveInputChannel } from '../input-peers.ts'
import { updatesState } from './messages.ts'

/** updates.* — the world never changes after it is generated, so every difference is empty. */
export const updatesHandlers: HandlerTable = {
  'updates.getState': { signedIn: true, run: updatesState },
  'updates.getDifference': {
    signedIn: true,
    run: (ctx) => ({ _: 'updates.differenceEmpty', date: nowSeconds(ctx), seq: 1 }),
  },
  'updates.getChannelDifference': {
    signedIn: true,
    run: (ctx, params) => {
      const channel = resolveInputChannel(ctx.world, params.channel as TlObject)
      return { _: 'updates.channelDifferenceEmpty', final: true, pts: channelPts(channel), timeout: 30 }
    },
  },
}
