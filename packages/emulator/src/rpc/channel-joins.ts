import type { TlObject } from '../tl/tl-object.ts'
import { apiSchema } from '../tl/schemas.ts'
import { channelObject } from '../world/peer-objects.ts'
import type { WorldChannel, WorldInvite } from '../world/world.ts'
import { nowSeconds, viewerOf, type HandlerContext } from './handler.ts'
import { resolveInputChannel } from './input-peers.ts'
import { RpcError } from './rpc-error.ts'

/**
 * Joining and leaving channels, by id (public channels) or by invite link
 * (https://core.telegram.org/api/invites), with Telegram's refusals:
 * CHANNEL_PRIVATE (a private channel joined by id), CHANNELS_TOO_MUCH (the account's limit),
 * INVITE_HASH_EMPTY / INVITE_HASH_INVALID / INVITE_HASH_EXPIRED, USER_ALREADY_PARTICIPANT,
 * INVITE_REQUEST_SENT (a channel that admits members by approval: the request is recorded),
 * USER_NOT_PARTICIPANT (leaving a channel one is not in).
 */

/** channels.joinChannel#24b524c5 channel:InputChannel = messages.ChatInviteJoinResult (Updates in layer 198). */
export function joinByChannel(ctx: HandlerContext, input: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const channel = resolveInputChannel(ctx.world, input)
  if (input._ !== 'inputChannel') throw new RpcError(400, 'CHANNEL_INVALID')
  // Without a username the only way in is an invite link.
  if (channel.username === undefined && !viewer.isMember(channel.id)) throw new RpcError(400, 'CHANNEL_PRIVATE')
  ctx.accounts.memberships.join(viewer.user.id, ctx.world, channel)
  return joinResult(ctx, 'channels.joinChannel', channel)
}

/** channels.leaveChannel#f836aa95 channel:InputChannel = Updates */
export function leave(ctx: HandlerContext, input: TlObject): TlObject {
  const viewer = viewerOf(ctx)
  const channel = resolveInputChannel(ctx.world, input)
  ctx.accounts.memberships.leave(viewer.user.id, channel)
  return channelUpdates(ctx, channel, false)
}

/**
 * messages.checkChatInvite#3eadb1bb hash:string = ChatInvite: chatInviteAlready for a member,
 * else chatInvite (request_needed when joining needs an admin's approval).
 */
export function checkInvite(ctx: HandlerContext, hash: unknown): TlObject {
  const viewer = viewerOf(ctx)
  const { channel, invite } = liveInvite(ctx, hash)
  if (viewer.isMember(channel.id)) return { _: 'chatInviteAlready', chat: channelObject(channel, true) }
  return {
    _: 'chatInvite',
    channel: true,
    broadcast: channel.broadcast,
    public: channel.username !== undefined,
    megagroup: !channel.broadcast,
    request_needed: invite.kind === 'approval',
    title: channel.title,
    about: channel.about,
    photo: { _: 'photoEmpty', id: 0n },
    participants_count: channel.participantsCount,
    color: 0,
  }
}

/** messages.importChatInvite#6c50051c hash:string = messages.ChatInviteJoinResult (Updates in layer 198). */
export function importInvite(ctx: HandlerContext, hash: unknown): TlObject {
  const viewer = viewerOf(ctx)
  const { channel, invite } = liveInvite(ctx, hash)
  if (viewer.isMember(channel.id)) throw new RpcError(400, 'USER_ALREADY_PARTICIPANT')
  if (invite.kind === 'approval') {
    ctx.accounts.memberships.request(viewer.user.id, channel)
    throw new RpcError(400, 'INVITE_REQUEST_SENT')
  }
  ctx.accounts.memberships.join(viewer.user.id, ctx.world, channel)
  return joinResult(ctx, 'messages.importChatInvite', channel)
}

function liveInvite(ctx: HandlerContext, hash: unknown): { channel: WorldChannel; invite: WorldInvite } {
  const text = typeof hash === 'string' ? hash : ''
  if (text === '') throw new RpcError(400, 'INVITE_HASH_EMPTY')
  const invite = ctx.world.invites.get(text)
  const channel = invite === undefined ? undefined : ctx.world.channelsById.get(invite.channelId)
  if (invite === undefined || channel === undefined) throw new RpcError(400, 'INVITE_HASH_INVALID')
  if (invite.kind === 'expired') throw new RpcError(400, 'INVITE_HASH_EXPIRED')
  return { channel, invite }
}

/** Layer 198 answers Updates; newer layers wrap it in messages.chatInviteJoinResultOk. */
function joinResult(ctx: HandlerContext, method: string, channel: WorldChannel): TlObject {
  const updates = channelUpdates(ctx, channel, true)
  const resultType = apiSchema(ctx.call.layer)?.byName(method)?.type
  return resultType === 'messages.ChatInviteJoinResult' ? { _: 'messages.chatInviteJoinResultOk', updates } : updates
}

function channelUpdates(ctx: HandlerContext, channel: WorldChannel, member: boolean): TlObject {
  return {
    _: 'updates',
    updates: [{ _: 'updateChannel', channel_id: channel.id }],
    users: [],
    chats: [channelObject(channel, member)],
    date: nowSeconds(ctx),
    seq: 0,
  }
}
