import type { TlObject } from '../../tl/tl-object.ts'
import { selfUserObject, userObject } from '../../world/peer-objects.ts'
import { viewerOf, type HandlerTable } from '../handler.ts'
import { resolveInputUser } from '../input-peers.ts'
import { RpcError } from '../rpc-error.ts'

/** users.* — the signed-in user (inputUserSelf) and the world's users. */
export const usersHandlers: HandlerTable = {
  // Vector<User>: unknown users are skipped, as Telegram does.
  'users.getUsers': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const users: TlObject[] = []
      for (const input of params.id as TlObject[]) {
        try {
          const resolved = resolveInputUser(ctx.world, viewer, input)
          users.push(resolved.kind === 'self' ? selfUserObject(resolved.user) : userObject(resolved.user))
        } catch (error) {
          if (!(error instanceof RpcError)) throw error
        }
      }
      return users
    },
  },
  'users.getFullUser': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const resolved = resolveInputUser(ctx.world, viewer, params.id as TlObject)
      const user = resolved.kind === 'self' ? selfUserObject(resolved.user) : userObject(resolved.user)
      const hasPrivateChat = resolved.kind === 'user' && ctx.world.privateChatsByUserId.has(resolved.user.id)
      return {
        _: 'users.userFull',
        full_user: {
          _: 'userFull',
          id: resolved.user.id,
          about: resolved.kind === 'self' ? undefined : 'Lives in the emulator.',
          settings: { _: 'peerSettings' },
          notify_settings: { _: 'peerNotifySettings' },
          common_chats_count: hasPrivateChat ? 1 : 0,
        },
        chats: [],
        users: [user],
      }
    },
  },
}
