/**
 * The live feed (LiveFeed): one update stream from Telegram, shared by every subscriber.
 *
 * Telegram's pushes go into one journal (live-journal.ts), one entry per new message, edit or
 * deletion, in Telegram's order per channel. The hub does not trust the pushes to be complete
 * (https://core.telegram.org/api/updates: a client may miss updates): it remembers the highest
 * message id seen per channel and reads history whenever the stream shows a hole (a new
 * message whose id skips ids), when mtcute reports channelDifferenceTooLong, and after the
 * connection comes back (the dialogs' top messages name the channels that moved). Messages
 * seen twice (a push and a history read) are journaled once.
 *
 * Subscribers (live-subscription.ts) read the journal from their own position; one that falls
 * more than `maxLag` events behind while live is closed and resumes by its cursor.
 */
import { randomBytes } from 'node:crypto'
import type { PeersIndex, tl } from '@mtcute/core'
import { channelOf, listChannels, type ChannelRef } from '../telegram/channel-list.ts'
import type { TelegramLog } from '../telegram/mtcute-client.ts'
import { toTelethonDict, writeTelethonJson } from '../telegram/telethon-shape.ts'
import { catchUpFromHistory } from './history-catch-up.ts'
import { decodeCursor } from './live-cursor.ts'
import type { LiveFeed, LiveSubscription, SubscribeOptions } from './live-feed.ts'
import { LiveJournal, type JournalEntry } from './live-journal.ts'
import { HubSubscription, type SubscriptionHost } from './live-subscription.ts'
import type { LiveTelegram } from './live-telegram.ts'
import type { LiveMetrics } from '../metrics/service-metrics.ts'
import { invalidCursor } from '../errors.ts'

export interface LiveHubOptions {
  telegram: LiveTelegram
  /** Events the journal keeps (default 10 000). */
  journalSize?: number
  /** Events a live subscriber may be behind before it is closed (default 1 000). */
  maxLag?: number
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number
  /** Names this process in cursors (default random). */
  epoch?: string
  metrics?: LiveMetrics | undefined
  log?: TelegramLog | undefined
}

const DEFAULT_JOURNAL_SIZE = 10_000
const DEFAULT_MAX_LAG = 1_000
/** Dialogs per getDialogs call; Telegram's maximum. */
const DIALOG_PAGE = 100

export class LiveHub implements LiveFeed, SubscriptionHost {
  readonly journal: LiveJournal
  readonly epoch: string
  readonly maxLag: number
  readonly #telegram: LiveTelegram
  readonly #now: () => number
  readonly #metrics: LiveMetrics | undefined
  readonly #log: TelegramLog | undefined
  readonly #channels = new Map<number, ChannelRef>()
  /** Highest message id journaled per channel. */
  readonly #lastSeen = new Map<number, number>()
  /**
   * The channel's top message id when the hub first listed the dialogs: where hole detection
   * starts for a channel the stream has not shown yet. Kept apart from #lastSeen so that a push
   * of that very message, in flight while the dialogs were read, is still journaled.
   */
  readonly #base = new Map<number, number>()
  /** Work per channel, one step after the other, so a channel's events keep their order. */
  readonly #chains = new Map<number, Promise<void>>()
  readonly #subscribers = new Set<HubSubscription>()
  #seeded: Promise<void> | null = null
  readonly #detach: Array<() => void> = []

  constructor(options: LiveHubOptions) {
    this.#telegram = options.telegram
    this.journal = new LiveJournal(options.journalSize ?? DEFAULT_JOURNAL_SIZE)
    this.maxLag = options.maxLag ?? DEFAULT_MAX_LAG
    this.#now = options.now ?? Date.now
    this.epoch = options.epoch ?? randomBytes(6).readUIntBE(0, 6).toString(36)
    this.#metrics = options.metrics
    this.#log = options.log
    this.#detach.push(
      this.#telegram.onUpdate((update, peers) => this.#onUpdate(update, peers)),
      this.#telegram.onChannelTooLong((channelId) => this.#inChannel(channelId, () => this.#fill(channelId))),
      this.#telegram.onReconnected(() => void this.#sweep()),
    )
    if (this.#telegram.authorized()) void this.ready().catch(() => {})
  }

  subscribe(options: SubscribeOptions): LiveSubscription {
    const cursor = options.after === null ? null : decodeCursor(options.after)
    if (options.after !== null && cursor === null) throw invalidCursor()
    const subscription = new HubSubscription(this, {
      cursor,
      channels: options.channels ?? null,
      since: options.since ?? null,
    })
    this.#subscribers.add(subscription)
    this.#metrics?.setLiveSubscribers(this.#subscribers.size)
    return subscription
  }

  /** Stops listening to Telegram and closes every subscriber. */
  close(): void {
    for (const detach of this.#detach.splice(0)) detach()
    for (const subscription of [...this.#subscribers]) subscription.close()
  }

  // SubscriptionHost: what a subscription asks of the hub.

  nowSeconds(): number {
    return Math.floor(this.#now() / 1000)
  }

  get telegram(): LiveTelegram {
    return this.#telegram
  }

  get metrics(): LiveMetrics | undefined {
    return this.#metrics
  }

  /** The account's channels now (a fresh dialog listing), remembered for the stream's use. */
  async listChannels(): Promise<ChannelRef[]> {
    const { channels } = await listChannels(this.#telegram.caller, this.#telegram.policy, { after: 0, upTo: Infinity }, DIALOG_PAGE)
    for (const channel of channels) this.#channels.set(channel.id, channel)
    return channels
  }

  /** Resolves once the hub knows each channel's top message (one dialog listing), the base of its hole detection. */
  ready(): Promise<void> {
    this.#seeded ??= this.listChannels().then(
      (channels) => {
        for (const channel of channels) if (!this.#base.has(channel.id)) this.#base.set(channel.id, channel.topId)
      },
      (err) => {
        this.#seeded = null
        throw err
      },
    )
    return this.#seeded
  }

  messageEntry(message: tl.RawMessage, channel: ChannelRef, event: 'message' | 'edit'): Omit<JournalEntry, 'seq'> {
    const data = toTelethonDict(message, { channel_name: channel.username, channel_title: channel.title })
    return {
      event,
      channelId: channel.id,
      messageId: message.id,
      data,
      json: writeTelethonJson(data),
      date: event === 'edit' ? (message.editDate ?? message.date) : message.date,
    }
  }

  subscriptionClosed(subscription: HubSubscription): void {
    if (this.#subscribers.delete(subscription)) this.#metrics?.setLiveSubscribers(this.#subscribers.size)
  }

  // The update stream.

  #onUpdate(update: tl.TypeUpdate, peers: PeersIndex): void {
    switch (update._) {
      case 'updateNewChannelMessage':
      case 'updateEditChannelMessage': {
        const message = update.message
        if (message._ === 'messageEmpty' || message.peerId._ !== 'peerChannel') return
        const channelId = message.peerId.channelId
        this.#remember(channelId, peers, message.date, message.id)
        const kind = update._ === 'updateNewChannelMessage' ? 'message' : 'edit'
        this.#inChannel(channelId, () => this.#ingest(channelId, message, kind))
        return
      }
      case 'updateDeleteChannelMessages': {
        const { channelId, messages: ids } = update
        this.#inChannel(channelId, async () => {
          const data = { channel_id: channelId, ids: [...ids].sort((a, b) => a - b) }
          this.#append({ event: 'delete', channelId, messageId: Math.max(0, ...ids), data, json: JSON.stringify(data), date: this.nowSeconds() })
        })
        return
      }
      default:
    }
  }

  /** The channel's title and username as the update's peers give them. */
  #remember(channelId: number, peers: PeersIndex, date: number, id: number): void {
    const known = this.#channels.get(channelId)
    const channel = channelOf(peers.chats.get(channelId), channelId, Math.max(date, known?.topDate ?? 0), Math.max(id, known?.topId ?? 0))
    // A push may describe the channel only by its min form: the listing's reference stays.
    if (!('reason' in channel)) this.#channels.set(channelId, channel)
  }

  async #ingest(channelId: number, message: tl.TypeMessage & { _: 'message' | 'messageService' }, kind: 'message' | 'edit'): Promise<void> {
    const channel = this.#channels.get(channelId)
    if (kind === 'edit') {
      if (message._ === 'message' && channel) this.#append(this.messageEntry(message, channel, 'edit'))
      return
    }
    const last = this.#lastSeen.get(channelId)
    if (last !== undefined && message.id <= last) return
    // Telegram numbers a channel's messages one after the other: a skipped id is a missed post
    // (or one deleted before it was seen); history says which.
    const known = last ?? this.#base.get(channelId)
    if (known !== undefined && message.id > known + 1) await this.#fill(channelId)
    if ((this.#lastSeen.get(channelId) ?? 0) >= message.id) return
    this.#lastSeen.set(channelId, message.id)
    if (message._ === 'message' && channel) this.#append(this.messageEntry(message, channel, 'message'))
  }

  /** Journals what history holds after the channel's last seen message. */
  async #fill(channelId: number): Promise<void> {
    const channel = this.#channels.get(channelId)
    const last = this.#lastSeen.get(channelId) ?? this.#base.get(channelId)
    if (!channel || last === undefined) return
    const open = { ...channel, topId: Number.MAX_SAFE_INTEGER }
    try {
      for await (const { message } of catchUpFromHistory(this.#telegram.caller, this.#telegram.policy, [open], () => ({ afterId: last, afterDate: 0 }))) {
        if (message.id <= (this.#lastSeen.get(channelId) ?? 0)) continue
        this.#lastSeen.set(channelId, message.id)
        this.#append(this.messageEntry(message, channel, 'message'))
      }
    } catch (err) {
      this.#log?.warn({ err: { message: (err as Error).message } }, 'live feed: could not read a channel\'s missed messages; subscribers catch up when they resume')
    }
  }

  /** After a reconnection: every channel whose top message moved past what was seen is filled. */
  async #sweep(): Promise<void> {
    if (!this.#telegram.authorized()) return
    const before = new Map([...this.#base, ...this.#lastSeen])
    let channels: ChannelRef[]
    try {
      channels = await this.listChannels()
    } catch (err) {
      this.#log?.warn({ err: { message: (err as Error).message } }, 'live feed: could not list channels after reconnecting')
      return
    }
    for (const channel of channels) {
      const seen = before.get(channel.id)
      if (seen !== undefined && channel.topId > seen) this.#inChannel(channel.id, () => this.#fill(channel.id))
    }
  }

  #inChannel(channelId: number, step: () => Promise<void>): void {
    const previous = this.#chains.get(channelId) ?? Promise.resolve()
    const next = previous.then(step).catch((err) => {
      this.#log?.error({ err: { message: (err as Error).message } }, 'live feed: an update could not be processed')
    })
    this.#chains.set(channelId, next)
    void next.then(() => {
      if (this.#chains.get(channelId) === next) this.#chains.delete(channelId)
    })
  }

  #append(entry: Omit<JournalEntry, 'seq'>): void {
    const stored = this.journal.append(entry)
    for (const subscription of this.#subscribers) {
      if (subscription.isLive && stored.seq - subscription.position > this.maxLag) subscription.close('lagging')
    }
  }
}
