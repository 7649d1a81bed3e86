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
 * A hole is never skipped: the channel's position does not move past it until history has
 * filled it, retried with backoff (a flood wait longer than FLOOD_WAIT_MAX, Telegram away). A
 * fill that has failed for `fillGiveUpMs` is given up with an explicit `reset` event naming
 * the channel and the window to read again, never in silence. A difference's events are put
 * back in the channel's pts order (difference-order.ts) before they are journaled.
 *
 * Subscribers (live-subscription.ts) read the journal from their own position; one that falls
 * more than `maxLag` events behind while live is closed and resumes by its cursor.
 */
import { randomBytes } from 'node:crypto'
import type { PeersIndex, tl } from '@mtcute/core'
import { channelOf, listChannels, type ChannelRef } from '../telegram/channels/channel-list.ts'
import type { TelegramLog } from '../telegram/calls/mtcute-log.ts'
import { toTelethonDict, writeTelethonJson } from '../telegram/history/telethon-shape.ts'
import { systemClock, type Clock } from '../core/clock.ts'
import { catchUpFromHistory } from '../telegram/history/history-catch-up.ts'
import { channelUpdate, differenceOrder, type ChannelPlace, type OrderedItem } from './difference-order.ts'
import { SINK_RETRY_POLICY, retryDelay } from './sinks/retry-delay.ts'
import { deleteEventId, editEventId, messageEventId, resetEventId, telethonDate } from './event-id.ts'
import { decodeCursor, encodeCursor, START_EPOCH } from './live-cursor.ts'
import type { LiveFeed, LiveSubscription, SubscribeOptions } from './live-feed.ts'
import { LiveJournal, type JournalEntry } from './live-journal.ts'
import { HubSubscription, type SubscriptionHost } from './live-subscription.ts'
import type { LiveTelegram } from '../telegram/live-telegram.ts'
import type { LiveMetrics } from '../metrics/service-metrics.ts'
import { invalidCursor } from '../core/errors.ts'

export interface LiveHubOptions {
  telegram: LiveTelegram
  /** Events the journal keeps (default 10 000). */
  journalSize?: number
  /** Events a live subscriber may be behind before it is closed (default 1 000). */
  maxLag?: number
  /** Milliseconds since the epoch (default Date.now, or the clock's). */
  now?: () => number
  /** The backoff between attempts to fill a hole (default the system clock). */
  clock?: Clock | undefined
  /** How long a hole is retried before it is given up with a `reset` event (default 15 minutes). */
  fillGiveUpMs?: number
  /** Names this process in cursors (default random). */
  epoch?: string
  metrics?: LiveMetrics | undefined
  log?: TelegramLog | undefined
}

const DEFAULT_JOURNAL_SIZE = 10_000
const DEFAULT_MAX_LAG = 1_000
const DEFAULT_FILL_GIVE_UP_MS = 15 * 60_000
/** How long a difference's events are gathered before they are put in order and journaled. */
const DIFFERENCE_GATHER_MS = 20
/** Dialogs per getDialogs call; Telegram's maximum. */
const DIALOG_PAGE = 100

export class LiveHub implements LiveFeed, SubscriptionHost {
  readonly journal: LiveJournal
  readonly epoch: string
  readonly maxLag: number
  readonly #telegram: LiveTelegram
  readonly #now: () => number
  readonly #clock: Clock
  readonly #fillGiveUpMs: number
  readonly #closing = new AbortController()
  readonly #metrics: LiveMetrics | undefined
  readonly #log: TelegramLog | undefined
  readonly #channels = new Map<number, ChannelRef>()
  /** Highest message id journaled per channel. */
  readonly #lastSeen = new Map<number, number>()
  /** The date of the last message journaled (or listed) per channel: where a reset's window starts. */
  readonly #lastDate = new Map<number, number>()
  /** The last pts an update of the channel carried. */
  readonly #pts = new Map<number, number>()
  /** Ids a deletion named above the channel's last journaled message: a post skipping them is no hole. */
  readonly #goneIds = new Map<number, Set<number>>()
  /** The newest message id an update of the channel carried (as #pts, read as the updates come). */
  readonly #updatedId = new Map<number, number>()
  /** A difference's events per channel, gathered until they can be put in order. */
  readonly #gathering = new Map<number, { items: OrderedItem<{ update: tl.TypeUpdate; peers: PeersIndex }>[]; before: ChannelPlace | null }>()
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
    this.#clock = options.clock ?? systemClock
    this.#now = options.now ?? (() => this.#clock.now())
    this.#fillGiveUpMs = options.fillGiveUpMs ?? DEFAULT_FILL_GIVE_UP_MS
    this.epoch = options.epoch ?? randomBytes(6).readUIntBE(0, 6).toString(36)
    this.#metrics = options.metrics
    this.#log = options.log
    this.#detach.push(
      this.#telegram.onUpdate((update, peers) => this.#onUpdate(update, peers)),
      this.#telegram.onChannelTooLong((channelId) => this.#inChannel(channelId, () => this.#fill(channelId))),
      this.#telegram.onReconnected(() => void this.#sweep()),
      this.#telegram.onSignedOut((reason) => this.#signedOut(reason)),
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

  startCursor(since: number | null): string {
    // This process's journal place now: a resume in this process misses nothing of it, edits
    // included; in another, the messages dated after now. A chosen time reads history first.
    // Dates are whole seconds: a post in this very second is read again rather than missed.
    if (since === null) return encodeCursor({ epoch: this.epoch, seq: this.journal.head, live: true, origin: this.nowSeconds() - 1, positions: new Map() })
    return encodeCursor({ epoch: START_EPOCH, seq: 0, live: false, origin: since, positions: new Map() })
  }

  /** Stops listening to Telegram and closes every subscriber. */
  close(): void {
    this.#closing.abort()
    for (const detach of this.#detach.splice(0)) detach()
    for (const subscription of [...this.#subscribers]) subscription.close()
  }

  /** The login ended: every subscriber is closed with the reason, and the next login lists the channels afresh. */
  #signedOut(reason: 'signed_out' | 'revoked'): void {
    this.#seeded = null
    for (const subscription of [...this.#subscribers]) subscription.close(reason)
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
        for (const channel of channels) {
          if (this.#base.has(channel.id)) continue
          this.#base.set(channel.id, channel.topId)
          if (Number.isFinite(channel.topDate)) this.#lastDate.set(channel.id, channel.topDate)
        }
      },
      (err) => {
        this.#seeded = null
        throw err
      },
    )
    return this.#seeded
  }

  messageEntry(message: tl.RawMessage, channel: ChannelRef, event: 'message' | 'edit', pts = 0): Omit<JournalEntry, 'seq'> {
    const data = toTelethonDict(message, { channel_name: channel.username, channel_title: channel.title })
    return {
      event,
      eventId: event === 'message' ? messageEventId(channel.id, message.id) : editEventId(channel.id, message.id, pts, message.editDate ?? message.date),
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

  /**
   * A post from a difference carries pts 0 (mtcute's messageToUpdate): it opens a gathering of
   * the channel's events, which the difference's edits and deletions (and any push meanwhile)
   * join, until they are put in the channel's order.
   */
  #onUpdate(update: tl.TypeUpdate, peers: PeersIndex): void {
    const place = channelUpdate(update)
    if (place === null) return
    const { channelId, pts, ptsCount, messageId } = place
    let gathering = this.#gathering.get(channelId)
    if (gathering === undefined && pts === 0) {
      const before = this.#pts.get(channelId)
      const lastId = this.#updatedId.get(channelId) ?? this.#base.get(channelId)
      gathering = { items: [], before: before === undefined || lastId === undefined ? null : { pts: before, lastId } }
      this.#gathering.set(channelId, gathering)
      setTimeout(() => this.#release(channelId), DIFFERENCE_GATHER_MS).unref()
    }
    if (pts !== 0) this.#pts.set(channelId, Math.max(pts, this.#pts.get(channelId) ?? 0))
    if (update._ === 'updateDeleteChannelMessages') {
      const gone = this.#goneIds.get(channelId) ?? new Set<number>()
      for (const id of update.messages) if (id > (this.#lastSeen.get(channelId) ?? 0)) gone.add(id)
      if (gone.size > 0) this.#goneIds.set(channelId, gone)
    }
    if (update._ === 'updateNewChannelMessage') this.#updatedId.set(channelId, Math.max(messageId, this.#updatedId.get(channelId) ?? 0))
    if (gathering !== undefined) gathering.items.push({ item: { update, peers }, pts, ptsCount, messageId })
    else this.#dispatch(update, peers, pts)
  }

  #release(channelId: number): void {
    const gathering = this.#gathering.get(channelId)
    this.#gathering.delete(channelId)
    if (gathering === undefined) return
    const deleted = ({ update }: { update: tl.TypeUpdate }): readonly number[] => (update._ === 'updateDeleteChannelMessages' ? update.messages : [])
    for (const { update, peers } of differenceOrder(gathering.items, gathering.before, deleted)) this.#dispatch(update, peers, channelUpdate(update)?.pts ?? 0)
  }

  #dispatch(update: tl.TypeUpdate, peers: PeersIndex, pts: number): void {
    switch (update._) {
      case 'updateNewChannelMessage':
      case 'updateEditChannelMessage': {
        const message = update.message
        if (message._ === 'messageEmpty' || message.peerId._ !== 'peerChannel') return
        const channelId = message.peerId.channelId
        this.#remember(channelId, peers, message.date, message.id)
        const kind = update._ === 'updateNewChannelMessage' ? 'message' : 'edit'
        this.#inChannel(channelId, () => this.#ingest(channelId, message, kind, pts))
        return
      }
      case 'updateDeleteChannelMessages': {
        const { channelId, messages: ids } = update
        this.#inChannel(channelId, async () => {
          const data = { channel_id: channelId, ids: [...ids].sort((a, b) => a - b) }
          this.#append({ event: 'delete', eventId: deleteEventId(channelId, pts, data.ids), channelId, messageId: Math.max(0, ...ids), data, json: JSON.stringify(data), date: this.nowSeconds() })
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

  async #ingest(channelId: number, message: tl.TypeMessage & { _: 'message' | 'messageService' }, kind: 'message' | 'edit', pts: number): Promise<void> {
    const channel = this.#channels.get(channelId)
    if (kind === 'edit') {
      if (message._ === 'message' && channel) this.#append(this.messageEntry(message, channel, 'edit', pts))
      return
    }
    const last = this.#lastSeen.get(channelId)
    if (last !== undefined && message.id <= last) return
    // Telegram numbers a channel's messages one after the other: a skipped id is a missed post
    // (or one deleted before it was seen); history says which.
    let known = last ?? this.#base.get(channelId)
    const gone = this.#goneIds.get(channelId)
    while (known !== undefined && gone?.has(known + 1)) known++
    if (known !== undefined && message.id > known + 1) await this.#fill(channelId)
    if ((this.#lastSeen.get(channelId) ?? 0) >= message.id) return
    this.#seen(channelId, message)
    if (message._ === 'message' && channel) this.#append(this.messageEntry(message, channel, 'message'))
  }

  #seen(channelId: number, message: { id: number; date: number }): void {
    this.#lastSeen.set(channelId, message.id)
    const gone = this.#goneIds.get(channelId)
    if (gone !== undefined) {
      for (const id of gone) if (id <= message.id) gone.delete(id)
      if (gone.size === 0) this.#goneIds.delete(channelId)
    }
    this.#lastDate.set(channelId, Math.max(message.date, this.#lastDate.get(channelId) ?? 0))
  }

  /**
   * Journals what history holds after the channel's last seen message, retried with backoff
   * (or after the flood wait Telegram names) until it succeeds; the channel's later events wait
   * meanwhile. Past `fillGiveUpMs` the hole is given up with a reset event.
   */
  async #fill(channelId: number): Promise<void> {
    const started = this.#clock.now()
    for (let attempt = 1; !this.#closing.signal.aborted; attempt++) {
      try {
        await this.#readMissed(channelId)
        return
      } catch (err) {
        const failedFor = this.#clock.now() - started
        const reason = (err as { code?: unknown }).code ?? (err as Error).message
        if (failedFor >= this.#fillGiveUpMs) {
          this.#reset(channelId, String(reason))
          return
        }
        const retryAfter = (err as { retryAfter?: unknown }).retryAfter
        const delay = Math.min(this.#fillGiveUpMs - failedFor, retryDelay(SINK_RETRY_POLICY, attempt, Math.random(), typeof retryAfter === 'number' ? retryAfter * 1000 : undefined))
        this.#log?.warn({ channelId, attempt, reason, retryInMs: delay }, 'live feed: could not read a channel\'s missed messages; retrying')
        await this.#clock.sleep(Math.max(1, delay), { signal: this.#closing.signal, keepAlive: false })
      }
    }
  }

  async #readMissed(channelId: number): Promise<void> {
    const channel = this.#channels.get(channelId)
    const last = this.#lastSeen.get(channelId) ?? this.#base.get(channelId)
    if (!channel || last === undefined) return
    const open = { ...channel, topId: Number.MAX_SAFE_INTEGER }
    for await (const { message } of catchUpFromHistory(this.#telegram.caller, this.#telegram.policy, [open], () => ({ afterId: this.#lastSeen.get(channelId) ?? last, afterDate: 0 }))) {
      if (message.id <= (this.#lastSeen.get(channelId) ?? 0)) continue
      this.#seen(channelId, message)
      this.#append(this.messageEntry(message, channel, 'message'))
    }
  }

  /**
   * Gives up a hole: consumers are told to read the channel's messages dated from the last one
   * journaled to now again, and the channel's position moves to its newest known message.
   */
  #reset(channelId: number, reason: string): void {
    const start = this.#lastDate.get(channelId) ?? 0
    const end = this.nowSeconds()
    const data = { channel_id: channelId, start_time: telethonDate(start), end_time: telethonDate(end), reason }
    const top = this.#channels.get(channelId)?.topId ?? 0
    this.#lastSeen.set(channelId, Math.max(top, this.#lastSeen.get(channelId) ?? 0))
    this.#lastDate.set(channelId, end)
    this.#log?.error({ channelId, reason }, 'live feed: gave up reading a channel\'s missed messages; consumers are told to read the window again')
    this.#append({ event: 'reset', eventId: resetEventId(channelId, start, end), channelId, messageId: top, data, json: JSON.stringify(data), date: end })
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

