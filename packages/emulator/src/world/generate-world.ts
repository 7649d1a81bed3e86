import { ChannelLog } from './channel-log.ts'
import { AUTHOR_NONE, AUTHOR_SELF, History, MessageKind, type HistoryRow } from './history.ts'
import { generateInvites } from './invites.ts'
import { mix32, Prng } from './prng.ts'
import type { World, WorldChannel, WorldChat, WorldPrivateChat, WorldUser } from './world.ts'

export interface WorldOptions {
  seed: number
  /** Public channels every account is a member of; every third from the second on is a supergroup. */
  channels: number
  /** Messages in each channel, its creation message included. */
  messagesPerChannel: number
  /** Channel messages are spread over (now - spanSeconds, now]. */
  spanSeconds: number
  /** Unix seconds. */
  now: number
  /** Messages in the private chat with the first world user (default min(messagesPerChannel, 60)). */
  privateChatMessages?: number
  /** Messages in the basic group (default min(messagesPerChannel, 90)). */
  basicGroupMessages?: number
  /** Size of the pool of message authors (default 24). */
  authors?: number
  /** Extra public channels the accounts are not members of, found by username (default 0). */
  discoverableChannels?: number
  /**
   * Extra member channels that went quiet: their messages are spread over the span before
   * (now - 2·spanSeconds, now - spanSeconds], so their top message predates every window inside
   * the span (default 0).
   */
  dormantChannels?: number
  /** DC id named in photo and document objects (default 2). */
  dcId?: number
  /** The first n member channels are pinned in the main dialog list, in that order (default 0). */
  pinnedChannels?: number
  /** Extra member channels in the archive (folder 1), as active as the first ones (default 0). */
  archivedChannels?: number
  /**
   * Extra member channels whose newest message was deleted while their dialog still names it:
   * dated just before `now`, so they sort first; the first of them shows it as messageEmpty,
   * the next as missing from the answer, and so on alternately (default 0).
   */
  deletedTopChannels?: number
  /**
   * Extra member channels that went quiet as dormant ones did, each with a draft typed at `now`:
   * their dialogs sort first although their top message predates the span (default 0).
   */
  draftChannels?: number
  /** Extra member channels that getDialogs describes only as min channels, with no access_hash (default 0). */
  minChannels?: number
  /**
   * Extra private channels (no username) the accounts are not members of, joined by invite
   * link only (world/invites.ts: one link joins at once or asks for approval, one has expired)
   * (default 0).
   */
  privateChannels?: number
}

type ChannelRole = 'member' | 'discoverable' | 'dormant' | 'archived' | 'deletedTop' | 'draft' | 'min' | 'private'

/** Ids beyond 2^31 (channels) and 2^32 (users) catch clients that squeeze them into int32. */
const CHANNEL_ID_BASE = 2_200_000_000
const USER_ID_BASE = 6_000_000_000
const BASIC_GROUP_ID = 4_012_345

const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Felipe', 'Gabriela', 'Hugo', 'Inés', 'Jorge', 'Karin', 'Luis',
  'Marta', 'Nico', 'Olga', 'Pablo', 'Rosa', 'Sergio', 'Tania', 'Víctor', 'Wanda', 'Ximena', 'Yago', 'Zoe']
const LAST_NAMES = ['García', 'López', 'Martín', 'Silva', 'Costa', 'Novak', 'Weber', 'Rossi', 'Dubois', 'Kowalski']
const TOPICS = ['Noticias', 'Tech Daily', 'Mercado', 'Deportes', 'Ciencia', 'Viajes', 'Cocina', 'Música', 'Cine', 'Clima',
  'Economía', 'Cultura']

/**
 * Builds a deterministic world: the same options give the same users, channels and messages.
 * Message ids in each history grow with their dates; private chats and basic groups share one
 * id sequence, as an account's non-channel messages do on Telegram.
 */
export function generateWorld(options: WorldOptions): World {
  const seed = options.seed >>> 0
  const now = Math.floor(options.now)
  const span = Math.max(1, Math.floor(options.spanSeconds))
  const start = now - span
  const prng = new Prng(mix32(seed, 0x3011d))

  const users: WorldUser[] = []
  const authorCount = Math.max(4, options.authors ?? 24)
  for (let i = 0; i < authorCount; i++) {
    const firstName = FIRST_NAMES[i % FIRST_NAMES.length]
    const round = Math.floor(i / FIRST_NAMES.length)
    users.push({
      id: USER_ID_BASE + i * 7919 + prng.int(0, 7000),
      accessHash: prng.int64(),
      firstName: round === 0 ? firstName : `${firstName} ${round + 1}`,
      lastName: prng.chance(0.7) ? prng.pick(LAST_NAMES) : undefined,
      username: i % 2 === 0 ? `${asciiName(firstName)}_${i + 1}` : undefined,
    })
  }

  const channels: WorldChannel[] = []
  // Member channels, then discoverable ones, then dormant ones, then the dialog-list shapes, then private ones:
  // the order keeps every world generated without the later kinds exactly as it was.
  const roles: ChannelRole[] = []
  const addRoles = (role: ChannelRole, count: number | undefined): void => {
    for (let k = 0; k < Math.max(0, count ?? 0); k++) roles.push(role)
  }
  addRoles('member', options.channels)
  addRoles('discoverable', options.discoverableChannels)
  addRoles('dormant', options.dormantChannels)
  addRoles('archived', options.archivedChannels)
  addRoles('deletedTop', options.deletedTopChannels)
  addRoles('draft', options.draftChannels)
  addRoles('min', options.minChannels)
  addRoles('private', options.privateChannels)
  const totalChannels = roles.length
  const isQuiet = (index: number): boolean => roles[index] === 'dormant' || roles[index] === 'draft'
  const historyStart = (index: number): number => (isQuiet(index) ? start - span : start)
  const pinnedCount = Math.max(0, options.pinnedChannels ?? 0)
  for (let i = 0; i < totalChannels; i++) {
    const broadcast = i % 3 !== 1
    const topic = TOPICS[i % TOPICS.length]
    const round = Math.floor(i / TOPICS.length)
    const title = (broadcast ? `Canal ${topic}` : `${topic} Chat`) + (round > 0 ? ` ${round + 1}` : '')
    channels.push({
      id: CHANNEL_ID_BASE + i * 1009 + prng.int(0, 1000),
      accessHash: prng.int64(),
      title: roles[i] === 'private' ? `${title} (private)` : title,
      ...(roles[i] === 'private' ? {} : { username: `canal_${i + 1}` }),
      about: broadcast ? `${topic}: posts every day.` : `Discussion about ${topic.toLowerCase()}.`,
      broadcast,
      date: historyStart(i) - prng.int(86400, 90 * 86400),
      participantsCount: broadcast ? prng.int(500, 250_000) : prng.int(20, 5_000),
      signatures: broadcast && prng.chance(0.5),
      memberByDefault: roles[i] !== 'discoverable' && roles[i] !== 'private',
      audience: prng.int(200, 50_000),
      // Filled below, once every channel exists.
      history: undefined as unknown as History,
      dialog: {
        folderId: roles[i] === 'archived' ? 1 : 0,
        pinned: roles[i] === 'member' && i < pinnedCount,
        pinOrder: i,
        min: roles[i] === 'min',
      },
      log: undefined as unknown as ChannelLog,
    })
  }
  // The first broadcast channel takes the first supergroup as its discussion group (comments).
  const firstBroadcast = channels.find((c) => c.broadcast && c.memberByDefault)
  const firstGroup = channels.find((c) => !c.broadcast && c.memberByDefault)
  if (firstBroadcast && firstGroup) {
    firstBroadcast.linkedChatId = firstGroup.id
    firstGroup.linkedChatId = firstBroadcast.id
  }
  for (const [i, channel] of channels.entries()) {
    const rows = channelRows(new Prng(mix32(seed, 0xc4a, channel.id)), channel, options.messagesPerChannel, historyStart(i), span, users.length)
    channel.history = new History({ kind: 'channel', id: channel.id }, rows)
  }
  let deletedTops = 0
  for (const [i, channel] of channels.entries()) {
    if (roles[i] === 'deletedTop') {
      // Newer than every kept message, one second apart, so these dialogs sort first and in a known order.
      channel.dialog.deletedTop = {
        id: channel.history.topId + 1,
        date: Math.max(channel.history.topDate, now - deletedTops),
        shown: deletedTops % 2 === 0 ? 'empty' : 'missing',
      }
      deletedTops++
    }
    if (roles[i] === 'draft') channel.dialog.draftDate = now
  }
  for (const channel of channels) {
    // A deleted top message's id is used up: the next post takes the one after it.
    const lastId = Math.max(channel.history.topId, channel.dialog.deletedTop?.id ?? 0)
    channel.log = new ChannelLog(Math.max(1, lastId), lastId)
  }

  const partner = users[0]
  const chat: WorldChat = {
    id: BASIC_GROUP_ID,
    title: 'Family & Friends',
    date: start - prng.int(86400, 30 * 86400),
    memberUserIds: users.slice(0, 5).map((u) => u.id),
    history: undefined as unknown as History,
  }
  const privateChat: WorldPrivateChat = { userId: partner.id, history: undefined as unknown as History }
  const [privateRows, chatRows] = sharedSequenceRows(
    new Prng(mix32(seed, 0x5ea)),
    options.privateChatMessages ?? Math.min(options.messagesPerChannel, 60),
    options.basicGroupMessages ?? Math.min(options.messagesPerChannel, 90),
    chat,
    start,
    span,
  )
  privateChat.history = new History({ kind: 'user', id: partner.id }, privateRows)
  chat.history = new History({ kind: 'chat', id: chat.id }, chatRows)

  const world: World = {
    seed,
    now,
    dcId: options.dcId ?? 2,
    users,
    channels,
    chats: [chat],
    privateChats: [privateChat],
    usersById: new Map(users.map((u) => [u.id, u])),
    channelsById: new Map(channels.map((c) => [c.id, c])),
    chatsById: new Map([[chat.id, chat]]),
    privateChatsByUserId: new Map([[partner.id, privateChat]]),
    usernames: new Map(),
    invites: new Map(generateInvites(seed, channels.filter((_, i) => roles[i] === 'private')).map((invite) => [invite.hash, invite])),
  }
  for (const user of users) if (user.username) world.usernames.set(user.username.toLowerCase(), { kind: 'user', user })
  for (const channel of channels) if (channel.username) world.usernames.set(channel.username.toLowerCase(), { kind: 'channel', channel })
  return world
}

function asciiName(name: string): string {
  return name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()
}

/**
 * A channel's slots: its creation message, then `count - 1` messages spread evenly (with
 * jitter) over the span; occasional id gaps stand for deleted messages.
 */
function channelRows(prng: Prng, channel: WorldChannel, count: number, start: number, span: number, authors: number): HistoryRow[] {
  const rows: HistoryRow[] = []
  if (count <= 0) return rows
  const author = (): number => {
    if (channel.broadcast) return channel.signatures ? prng.int(0, authors - 1) : AUTHOR_NONE
    return prng.chance(0.05) ? AUTHOR_SELF : prng.int(0, authors - 1)
  }
  rows.push({
    id: 1,
    date: channel.date,
    kind: MessageKind.ChannelCreate,
    author: channel.broadcast ? AUTHOR_NONE : prng.int(0, authors - 1),
    ref: 0,
  })
  const m = count - 1
  let id = 1
  let k = 0
  while (k < m) {
    const date = start + Math.floor((span * (k + prng.float())) / m)
    id += 1 + (prng.chance(0.03) ? prng.int(1, 3) : 0)
    const roll = prng.float()
    if (roll < 0.04 && m - k >= 2) {
      const size = Math.min(prng.int(2, 5), m - k)
      const first = id
      const by = author()
      for (let j = 0; j < size; j++) rows.push({ id: first + j, date, kind: MessageKind.AlbumPhoto, author: by, ref: first })
      id = first + size - 1
      k += size
      continue
    }
    if (roll < 0.05 && rows.length > 1) {
      rows.push({ id, date, kind: MessageKind.Pin, author: author(), ref: earlierContentId(prng, rows) })
    } else if (roll < 0.08 && !channel.broadcast) {
      rows.push({ id, date, kind: MessageKind.JoinByLink, author: prng.int(0, authors - 1), ref: 0 })
    } else if (roll < 0.2) {
      rows.push({ id, date, kind: MessageKind.Photo, author: author(), ref: 0 })
    } else if (roll < 0.25) {
      rows.push({ id, date, kind: MessageKind.Video, author: author(), ref: 0 })
    } else {
      const ref = !channel.broadcast && rows.length > 1 && prng.chance(0.15) ? earlierContentId(prng, rows) : 0
      rows.push({ id, date, kind: MessageKind.Text, author: author(), ref })
    }
    k++
  }
  return rows
}

/** A recent non-service message id (for pins and replies); 1 when there is none. */
function earlierContentId(prng: Prng, rows: readonly HistoryRow[]): number {
  for (let attempt = 0; attempt < 8; attempt++) {
    const row = rows[Math.max(0, rows.length - 1 - prng.int(0, 40))]
    if (row.kind < MessageKind.ChannelCreate) return row.id
  }
  return rows[rows.length - 1].id
}

interface PendingRow {
  date: number
  kind: MessageKind
  author: number
  target: 0 | 1
  /** Replies and pins point at an earlier message of the same conversation. */
  wantsRef: boolean
}

/** The private chat's and the basic group's rows, numbered from one shared id sequence. */
function sharedSequenceRows(
  prng: Prng,
  privateCount: number,
  groupCount: number,
  chat: WorldChat,
  start: number,
  span: number,
): [HistoryRow[], HistoryRow[]] {
  const pending: PendingRow[] = []
  for (let k = 0; k < privateCount; k++) {
    pending.push({
      date: start + Math.floor((span * (k + prng.float())) / Math.max(1, privateCount)),
      kind: prng.chance(0.15) ? MessageKind.Photo : MessageKind.Text,
      // users[0] is the partner of the private chat.
      author: prng.chance(0.45) ? AUTHOR_SELF : 0,
      target: 0,
      wantsRef: prng.chance(0.1),
    })
  }
  if (groupCount > 0) {
    pending.push({ date: chat.date, kind: MessageKind.ChatCreate, author: 1, target: 1, wantsRef: false })
  }
  const members = chat.memberUserIds.length
  for (let k = 0; k < groupCount - 1; k++) {
    const roll = prng.float()
    const kind = roll < 0.03 ? MessageKind.Pin : roll < 0.07 ? MessageKind.JoinByLink : roll < 0.2 ? MessageKind.Photo : MessageKind.Text
    pending.push({
      date: start + Math.floor((span * (k + prng.float())) / Math.max(1, groupCount - 1)),
      kind,
      author: prng.chance(0.2) ? AUTHOR_SELF : prng.int(0, members - 1),
      target: 1,
      wantsRef: kind === MessageKind.Pin || (kind === MessageKind.Text && prng.chance(0.12)),
    })
  }
  // Stable sort keeps each conversation's own order among equal dates.
  pending.sort((a, b) => a.date - b.date)

  const out: [HistoryRow[], HistoryRow[]] = [[], []]
  const contentIds: [number[], number[]] = [[], []]
  let id = 0
  for (const p of pending) {
    id += 1 + (prng.chance(0.02) ? prng.int(1, 2) : 0)
    const earlier = contentIds[p.target]
    const ref = p.wantsRef && earlier.length > 0 ? earlier[Math.max(0, earlier.length - 1 - prng.int(0, 10))] : 0
    const kind = p.kind === MessageKind.Pin && ref === 0 ? MessageKind.Text : p.kind
    out[p.target].push({ id, date: p.date, kind, author: p.author, ref })
    if (kind < MessageKind.ChannelCreate) earlier.push(id)
  }
  return out
}
