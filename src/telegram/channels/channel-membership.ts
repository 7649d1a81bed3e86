/**
 * The account's channels as a resource: list them, join one (by username or invite link),
 * leave one, and pick the named ones for a window. Raw Telegram calls only, each through the
 * one call seam (callWithFloodWait), whose flood handling covers Telegram's join limits too.
 *
 * Joining (https://core.telegram.org/api/channel#joining-a-channel, /api/invites):
 * - a username: contacts.resolveUsername, then channels.joinChannel unless the channel object
 *   already says the account is in it (`left` unset);
 * - an invite link: messages.checkChatInvite (chatInviteAlready: already in), then
 *   messages.importChatInvite. Telegram's refusals are converted in rpc-errors.ts.
 * Names given by id are looked up among the account's own dialogs, the only place a channel's
 * access hash is known without a username.
 */
import { Long, type tl } from '@mtcute/core'
import { AppError, channelNotJoined, type ErrorCode } from '../../core/errors.ts'
import { callWithFloodWait, type FloodWaitPolicy, type RpcCaller } from '../calls/call-with-flood-wait.ts'
import { channelRef, listAllChannels, type ChannelListing, type ChannelRef } from './channel-list.ts'
import type { ChannelName, JoinTarget } from '../../core/channel-reference.ts'
import { failedWith, toMembershipError } from '../calls/rpc-errors.ts'

export interface JoinOutcome {
  /** false: the account was already in it. */
  joined: boolean
  channel: ChannelRef
}

export async function joinChannel(client: RpcCaller, policy: FloodWaitPolicy, target: JoinTarget): Promise<JoinOutcome> {
  return target.kind === 'username' ? joinByUsername(client, policy, target.username) : joinByInvite(client, policy, target.hash)
}

/** Leaves a channel the account is in; CHANNEL_NOT_JOINED (naming it) for any other. */
export async function leaveChannel(client: RpcCaller, policy: FloodWaitPolicy, name: ChannelName): Promise<void> {
  const { channels } = await selectChannels(client, policy, [name])
  const channel = channels[0]
  if (channel === undefined) throw channelNotJoined([name.written])
  // channels.leaveChannel#f836aa95 channel:InputChannel = Updates
  await callWithFloodWait(client, policy, { _: 'channels.leaveChannel', channel: inputChannel(channel) }).catch((err: unknown) => {
    throw toMembershipError(err, channelNotJoined([name.written]).detail)
  })
}

/**
 * The named channels among the account's (each once; one named by id that Telegram will not let
 * be read stays among the skipped); CHANNEL_NOT_JOINED naming every one the account is not in.
 */
export async function selectChannels(client: RpcCaller, policy: FloodWaitPolicy, names: readonly ChannelName[]): Promise<ChannelListing> {
  const all = await listAllChannels(client, policy)
  const selected = new Map<number, ChannelRef>()
  const skipped = new Map<number, ChannelListing['skipped'][number]>()
  const missing: string[] = []
  for (const name of names) {
    const found = all.channels.find((channel) =>
      name.kind === 'id' ? channel.id === name.id : channel.username?.toLowerCase() === name.username.toLowerCase(),
    )
    const refused = name.kind === 'id' ? all.skipped.find((channel) => channel.id === name.id) : undefined
    if (found !== undefined) selected.set(found.id, found)
    else if (refused !== undefined) skipped.set(refused.id, refused)
    else missing.push(name.written)
  }
  if (missing.length > 0) throw channelNotJoined(missing)
  return { channels: [...selected.values()], skipped: [...skipped.values()] }
}

async function joinByUsername(client: RpcCaller, policy: FloodWaitPolicy, username: string): Promise<JoinOutcome> {
  // contacts.resolveUsername#725afbbc flags:# username:string referer:flags.0?string = contacts.ResolvedPeer
  const resolved = await callWithFloodWait(client, policy, { _: 'contacts.resolveUsername', username }).catch((err: unknown) => {
    throw withDetail(err, 'CHANNEL_NOT_FOUND', `No public channel or supergroup has the username "${username}".`)
  })
  if (resolved.peer._ !== 'peerChannel') throw notAChannel(`"${username}" is a user or a bot, not a channel or supergroup.`)
  const channelId = resolved.peer.channelId
  const chat = resolved.chats.find((candidate) => candidate.id === channelId)
  if (chat === undefined || chat._ !== 'channel') throw new AppError('CHANNEL_PRIVATE', `"${username}" cannot be seen by this account.`)
  if (chat.left !== true) return { joined: false, channel: await withNewestDate(client, policy, chat) }
  // channels.joinChannel#24b524c5 channel:InputChannel = messages.ChatInviteJoinResult
  const result = await callWithFloodWait(client, policy, {
    _: 'channels.joinChannel',
    channel: { _: 'inputChannel', channelId, accessHash: chat.accessHash ?? Long.ZERO },
  }).catch((err: unknown) => {
    throw toMembershipError(err, `"${username}" is private: join it with an invite link.`)
  })
  const joined = result._ === 'messages.chatInviteJoinResultOk' ? channelIn(result.updates, channelId) : undefined
  return { joined: true, channel: await withNewestDate(client, policy, joined ?? chat) }
}

async function joinByInvite(client: RpcCaller, policy: FloodWaitPolicy, hash: string): Promise<JoinOutcome> {
  const already = await checkInvite(client, policy, hash)
  if (already !== null) return { joined: false, channel: await withNewestDate(client, policy, already) }
  let result: tl.messages.TypeChatInviteJoinResult
  try {
    // messages.importChatInvite#6c50051c hash:string = messages.ChatInviteJoinResult
    result = await callWithFloodWait(client, policy, { _: 'messages.importChatInvite', hash })
  } catch (err) {
    // Joined in the meantime (another client of the account): report it as it now is.
    if (!failedWith(err, 'USER_ALREADY_PARTICIPANT')) throw toMembershipError(err, 'The channel of this invite link cannot be joined.')
    const now = await checkInvite(client, policy, hash)
    if (now === null) throw err
    return { joined: false, channel: await withNewestDate(client, policy, now) }
  }
  const updates = result._ === 'messages.chatInviteJoinResultOk' ? result.updates : undefined
  const channel = updates === undefined ? undefined : channelIn(updates)
  if (channel === undefined) throw new AppError('TELEGRAM_ERROR', 'Telegram joined the invite link but named no channel.')
  return { joined: true, channel: await withNewestDate(client, policy, channel) }
}

/**
 * messages.checkChatInvite#3eadb1bb hash:string = ChatInvite: the channel when the account is
 * already in it, null when it may join; NOT_A_CHANNEL for an invite to a basic group.
 */
async function checkInvite(client: RpcCaller, policy: FloodWaitPolicy, hash: string): Promise<tl.RawChannel | null> {
  const invite = await callWithFloodWait(client, policy, { _: 'messages.checkChatInvite', hash })
  switch (invite._) {
    case 'chatInviteAlready':
      if (invite.chat._ === 'channel') return invite.chat
      throw notAChannel('The invite link is to a basic group, not a channel or supergroup.')
    case 'chatInvitePeek':
      return null
    case 'chatInvite':
      if (invite.channel !== true) throw notAChannel('The invite link is to a basic group, not a channel or supergroup.')
      return null
  }
}

/**
 * The channel as listed, with the date of its newest message (one message of history). It is a
 * detail of an answer whose action is done (joined, or already in): it waits for no flood wait,
 * and when it cannot be had now the date is left unknown (`lastMessageDate: null`) rather than
 * the join reported as failed.
 */
async function withNewestDate(client: RpcCaller, policy: FloodWaitPolicy, chat: tl.RawChannel): Promise<ChannelRef> {
  const ref = channelRef(chat, 0)
  try {
    return { ...ref, topDate: await newestDate(client, { ...policy, maxWaitSeconds: () => 0 }, ref) }
  } catch {
    return ref
  }
}

async function newestDate(client: RpcCaller, policy: FloodWaitPolicy, ref: ChannelRef): Promise<number> {
  const page = await callWithFloodWait(client, policy, {
    _: 'messages.getHistory',
    peer: ref.peer,
    offsetId: 0,
    offsetDate: 0,
    addOffset: 0,
    limit: 1,
    maxId: 0,
    minId: 0,
    hash: Long.ZERO,
  })
  const newest = page._ === 'messages.messagesNotModified' ? undefined : page.messages.find((message) => message._ !== 'messageEmpty')
  return newest?.date ?? 0
}

/** The channel an Updates answer names (the one with `channelId`, else the first). */
function channelIn(updates: tl.TypeUpdates, channelId?: number): tl.RawChannel | undefined {
  if (updates._ !== 'updates' && updates._ !== 'updatesCombined') return undefined
  const channels = updates.chats.filter((chat): chat is tl.RawChannel => chat._ === 'channel')
  return channelId === undefined ? channels[0] : channels.find((chat) => chat.id === channelId)
}

function inputChannel(channel: ChannelRef): tl.RawInputChannel {
  return { _: 'inputChannel', channelId: channel.id, accessHash: channel.peer.accessHash }
}

function notAChannel(detail: string): AppError {
  return new AppError('NOT_A_CHANNEL', detail)
}

/** An error of `code` gets a detail that names what the client asked for; others pass as they are. */
function withDetail(err: unknown, code: ErrorCode, detail: string): unknown {
  return err instanceof AppError && err.code === code ? new AppError(code, detail, { cause: err.cause }) : err
}
