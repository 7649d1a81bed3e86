import { peerChannel, peerUser, peersFor } from '../../world/peer-objects.ts'
import { PeerRefs } from '../../world/peer-refs.ts'
import { viewerOf, type HandlerTable } from '../handler.ts'
import { RpcError } from '../rpc-error.ts'

/** Telegram usernames: a letter, then letters, digits or underscores; 4–32 characters here. */
const USERNAME = /^[a-zA-Z][a-zA-Z0-9_]{3,31}$/

/** contacts.* — resolving public usernames. */
export const contactsHandlers: HandlerTable = {
  'contacts.resolveUsername': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const username = String(params.username ?? '')
      if (!USERNAME.test(username)) throw new RpcError(400, 'USERNAME_INVALID')
      const found = ctx.world.usernames.get(username.toLowerCase())
      if (!found) throw new RpcError(400, 'USERNAME_NOT_OCCUPIED')
      const refs = new PeerRefs()
      if (found.kind === 'channel') refs.addChannel(found.channel.id)
      else refs.addUser(found.user.id)
      return {
        _: 'contacts.resolvedPeer',
        peer: found.kind === 'channel' ? peerChannel(found.channel.id) : peerUser(found.user.id),
        ...peersFor(ctx.world, viewer, refs),
      }
    },
  },
}
