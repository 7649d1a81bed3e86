import type { TlObject } from '../../tl/tl-object.ts'
import { channelObject, peersFor } from '../../world/peer-objects.ts'
import { PeerRefs } from '../../world/peer-refs.ts'
import { channelPts } from '../dialogs.ts'
import { joinByChannel, leave } from '../channel-joins.ts'
import { viewerOf, type HandlerContext, type HandlerTable } from '../handler.ts'
import { resolveInputChannel } from '../input-peers.ts'
import { messagesById } from './messages.ts'

/** channels.* — channel objects, full info, joining and leaving, messages by id. */
export const channelsHandlers: HandlerTable = {
  'channels.getChannels': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const chats = (params.id as TlObject[]).map((input) => {
        const channel = resolveInputChannel(ctx.world, input)
        return channelObject(channel, viewer.isMember(channel.id))
      })
      return { _: 'messages.chats', chats }
    },
  },
  'channels.getFullChannel': { signedIn: true, run: getFullChannel },
  'channels.joinChannel': { signedIn: true, run: (ctx, params) => joinByChannel(ctx, params.channel as TlObject) },
  'channels.leaveChannel': { signedIn: true, run: (ctx, params) => leave(ctx, params.channel as TlObject) },
  'channels.getMessages': {
    signedIn: true,
    run: (ctx, params) => {
      const viewer = viewerOf(ctx)
      const channel = resolveInputChannel(ctx.world, params.channel as TlObject)
      return messagesById(ctx.world, viewer, [channel.history], params.id as TlObject[], (list) => ({
        _: 'messages.channelMessages',
        pts: channelPts(channel),
        count: list.messages.length,
        ...list,
        topics: [],
      }))
    },
  },
}

function getFullChannel(ctx: HandlerContext, params: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const channel = resolveInputChannel(ctx.world, params.channel as TlObject)
  const refs = new PeerRefs().addChannel(channel.id)
  if (channel.linkedChatId !== undefined) refs.addChannel(channel.linkedChatId)
  const { history } = channel
  return {
    _: 'messages.chatFull',
    full_chat: {
      _: 'channelFull',
      can_view_participants: !channel.broadcast,
      id: channel.id,
      about: channel.about,
      participants_count: channel.participantsCount,
      admins_count: 1,
      read_inbox_max_id: history.topId,
      read_outbox_max_id: history.topId,
      unread_count: 0,
      chat_photo: { _: 'photoEmpty', id: 0n },
      notify_settings: { _: 'peerNotifySettings' },
      bot_info: [],
      linked_chat_id: channel.linkedChatId,
      pts: channelPts(channel),
      available_reactions: { _: 'chatReactionsAll' },
    },
    ...peersFor(ctx.world, viewer, refs),
  }
}
