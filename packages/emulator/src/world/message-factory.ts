import type { TlObject } from '../tl/tl-object.ts'
import { AUTHOR_NONE, AUTHOR_SELF, MessageKind, type History } from './history.ts'
import { inventText, REACTION_EMOJI } from './message-text.ts'
import { peerChannel, peerChat, peerUser } from './peer-objects.ts'
import type { PeerRefs } from './peer-refs.ts'
import { mix32, Prng } from './prng.ts'
import type { Viewer } from './viewer.ts'
import type { World, WorldChannel } from './world.ts'

/**
 * Builds the TL `message` / `messageService` for one history slot. Everything not stored in
 * the history's columns is drawn from a generator seeded by (world seed, owner, message id),
 * so the same message always reads the same, whichever page or request it appears in.
 * Every peer the message mentions is added to `refs`.
 */
export function materializeMessage(world: World, history: History, index: number, viewer: Viewer, refs: PeerRefs): TlObject {
  const { owner } = history
  const row = history.row(index)
  const prng = new Prng(mix32(world.seed, KIND_CODE[owner.kind], owner.id, row.id))
  const channel = owner.kind === 'channel' ? world.channelsById.get(owner.id) : undefined
  const broadcast = channel?.broadcast === true

  const peer =
    owner.kind === 'channel' ? peerChannel(owner.id) : owner.kind === 'chat' ? peerChat(owner.id) : peerUser(owner.id)
  if (owner.kind === 'channel') refs.addChannel(owner.id)
  else if (owner.kind === 'chat') refs.addChat(owner.id)
  else refs.addUser(owner.id)

  const authorId = row.author === AUTHOR_SELF ? viewer.user.id : row.author === AUTHOR_NONE ? 0 : world.users[row.author].id
  const out = row.author === AUTHOR_SELF
  // Broadcast posts carry no sender; in private chats only outgoing messages name one.
  const fromId = broadcast || authorId === 0 || (owner.kind === 'user' && !out) ? undefined : peerUser(authorId)
  if (fromId) refs.addUser(authorId)

  const common = {
    out,
    post: broadcast,
    id: row.id,
    from_id: fromId,
    peer_id: peer,
    date: row.date,
  }

  switch (row.kind) {
    case MessageKind.ChannelCreate:
      return { _: 'messageService', ...common, action: { _: 'messageActionChannelCreate', title: channel?.title ?? '' } }
    case MessageKind.ChatCreate: {
      const chat = world.chatsById.get(owner.id)
      const members = [...(chat?.memberUserIds ?? []), viewer.user.id]
      for (const id of members) refs.addUser(id)
      return { _: 'messageService', ...common, action: { _: 'messageActionChatCreate', title: chat?.title ?? '', users: members } }
    }
    case MessageKind.Pin:
      return {
        _: 'messageService',
        ...common,
        reply_to: { _: 'messageReplyHeader', reply_to_msg_id: row.ref },
        action: { _: 'messageActionPinMessage' },
      }
    case MessageKind.JoinByLink: {
      const inviter = world.users[prng.int(0, world.users.length - 1)].id
      refs.addUser(inviter)
      return { _: 'messageService', ...common, action: { _: 'messageActionChatJoinedByLink', inviter_id: inviter } }
    }
  }

  const album = row.kind === MessageKind.AlbumPhoto
  const captioned = !album || row.ref === row.id
  const invented = captioned ? inventText(prng, album ? 2 : 3, album ? 10 : 40) : { text: '', entities: [] }
  // A post or an edit of the living world wrote this text (channel-log.ts); the rest still comes from the seed.
  const written = channel?.log.contentOf(row.id)
  const { text, entities } = written ? { text: written.text, entities: [] } : invented

  const message: TlObject = {
    _: 'message',
    ...common,
    message: text,
    entities: entities.length > 0 ? entities : undefined,
  }

  if (row.kind === MessageKind.Photo || album) {
    message.media = { _: 'messageMediaPhoto', photo: photoObject(world, prng, row.date) }
  } else if (row.kind === MessageKind.Video) {
    message.media = { _: 'messageMediaDocument', video: true, document: videoObject(world, prng, row.date) }
  }
  if (album) message.grouped_id = groupedId(world.seed, owner.id, row.ref)

  if (row.ref !== 0 && row.kind === MessageKind.Text) {
    message.reply_to = { _: 'messageReplyHeader', reply_to_msg_id: row.ref }
  }

  if (broadcast && channel) {
    const age = Math.max(0, world.now - row.date)
    // Views climb quickly during the first day, then flatten.
    const reach = Math.min(1, 0.15 + age / 86400)
    const views = Math.max(1, Math.round(channel.audience * reach * (0.5 + prng.float())))
    message.views = views
    message.forwards = Math.floor(views * prng.float() * 0.03)
    if (channel.signatures && row.author >= 0) message.post_author = displayName(world, row.author)
    if (channel.linkedChatId !== undefined) message.replies = commentsOf(world, prng, channel, refs)
  } else if (channel && prng.chance(0.2)) {
    message.replies = { _: 'messageReplies', replies: prng.int(1, 12), replies_pts: prng.int(1, 5000) }
  }

  if (channel && !broadcast && row.kind === MessageKind.Text && row.ref === 0 && prng.chance(0.04)) {
    const source = world.channels.find((c) => c.broadcast && c.history.length > 1)
    if (source) {
      refs.addChannel(source.id)
      message.fwd_from = {
        _: 'messageFwdHeader',
        from_id: peerChannel(source.id),
        date: Math.max(source.date, row.date - prng.int(60, 86400)),
        channel_post: source.history.ids[prng.int(1, source.history.length - 1)],
      }
    }
  }

  if (channel && prng.chance(0.35)) message.reactions = reactionsOf(prng, !broadcast)

  if (written) {
    if (written.editDate !== undefined) message.edit_date = written.editDate
  } else if (prng.chance(0.08)) message.edit_date = Math.min(world.now, row.date + prng.int(30, 7200))

  return message
}

const KIND_CODE = { channel: 1, chat: 2, user: 3 } as const

/**
 * The album's `grouped_id`: one signed 64-bit value per album, with bit 61 set so that every
 * album id lies beyond 2^53 (clients that read it through a double would round it).
 */
export function groupedId(seed: number, ownerId: number, firstMessageId: number): bigint {
  const value = new Prng(mix32(seed, 0x6a, ownerId, firstMessageId)).int64()
  return BigInt.asIntN(64, value | (1n << 61n))
}

function displayName(world: World, authorIndex: number): string {
  const user = world.users[authorIndex]
  return user.lastName ? `${user.firstName} ${user.lastName}` : user.firstName
}

function commentsOf(world: World, prng: Prng, channel: WorldChannel, refs: PeerRefs): TlObject {
  const replies = prng.chance(0.4) ? 0 : prng.int(1, 60)
  const linkedId = channel.linkedChatId as number
  refs.addChannel(linkedId)
  const result: TlObject = {
    _: 'messageReplies',
    comments: true,
    replies,
    replies_pts: prng.int(1, 10000),
    channel_id: linkedId,
  }
  if (replies > 0) {
    const repliers: TlObject[] = []
    for (let i = 0; i < Math.min(3, replies); i++) {
      const user = world.users[prng.int(0, world.users.length - 1)]
      refs.addUser(user.id)
      repliers.push(peerUser(user.id))
    }
    result.recent_repliers = repliers
    const linked = world.channelsById.get(linkedId)
    result.max_id = linked && linked.history.length > 0 ? linked.history.topId : replies
  }
  return result
}

function reactionsOf(prng: Prng, canSeeList: boolean): TlObject {
  const kinds = prng.int(1, 4)
  const start = prng.int(0, REACTION_EMOJI.length - 1)
  const results: TlObject[] = []
  for (let i = 0; i < kinds; i++) {
    results.push({
      _: 'reactionCount',
      reaction: { _: 'reactionEmoji', emoticon: REACTION_EMOJI[(start + i) % REACTION_EMOJI.length] },
      count: prng.int(1, 400),
    })
  }
  results.sort((a, b) => (b.count as number) - (a.count as number))
  return { _: 'messageReactions', can_see_list: canSeeList, results }
}

function photoObject(world: World, prng: Prng, date: number): TlObject {
  const landscape = prng.chance(0.6)
  const [w, h] = landscape ? [1280, 720] : [720, 1280]
  return {
    _: 'photo',
    id: prng.int64(),
    access_hash: prng.int64(),
    file_reference: prng.bytes(16),
    date,
    sizes: [
      { _: 'photoStrippedSize', type: 'i', bytes: prng.bytes(24) },
      { _: 'photoSize', type: 'm', w: w / 4, h: h / 4, size: prng.int(8000, 20000) },
      { _: 'photoSize', type: 'x', w: w / 1.6, h: h / 1.6, size: prng.int(40000, 90000) },
      { _: 'photoSizeProgressive', type: 'y', w, h, sizes: [10000, 30000, 60000, 120000] },
    ],
    dc_id: world.dcId,
  }
}

function videoObject(world: World, prng: Prng, date: number): TlObject {
  const duration = prng.int(3, 600)
  return {
    _: 'document',
    id: prng.int64(),
    access_hash: prng.int64(),
    file_reference: prng.bytes(16),
    date,
    mime_type: 'video/mp4',
    size: duration * prng.int(50_000, 400_000),
    thumbs: [{ _: 'photoStrippedSize', type: 'i', bytes: prng.bytes(24) }],
    dc_id: world.dcId,
    attributes: [
      { _: 'documentAttributeVideo', supports_streaming: true, duration, w: 1280, h: 720 },
      { _: 'documentAttributeFilename', file_name: `video_${date}.mp4` },
    ],
  }
}
