/**
 * One subscriber of the live feed: a position in the hub's journal plus, per channel, the
 * highest message id it has been given (what its cursors carry).
 *
 * 1. Where to begin. A cursor of this process whose journal place is still kept resumes right
 *    there (and, if it was given during catch-up, reads history first). Any other cursor — an
 *    older process, a place the journal no longer holds — and `since` (start_time) catch up
 *    from history: per channel, every message after the cursor's id, or dated after its
 *    origin. With neither, the stream starts with what comes next.
 * 2. History first (oldest first), then the journal from the place taken before history was
 *    read: messages the two both hold are given once (per channel, only ids above the last one
 *    given pass), so the seam has no gap and no duplicate.
 * 3. A live subscriber more than the hub's maxLag events behind is closed by the hub; should
 *    the journal drop its place anyway, it reads history again and goes on.
 */
import type { tl } from '@mtcute/core'
import type { ChannelRef } from '../telegram/channels/channel-list.ts'
import type { LiveMetrics } from '../metrics/service-metrics.ts'
import { catchUpFromHistory } from '../telegram/history/history-catch-up.ts'
import { eventCursor, type LiveCursor } from './live-cursor.ts'
import type { LiveEvent, LiveSubscription } from './live-feed.ts'
import type { JournalEntry, LiveJournal } from './live-journal.ts'
import type { LiveTelegram } from '../telegram/live-telegram.ts'
import { notSignedIn } from '../core/errors.ts'

export interface SubscriptionHost {
  readonly journal: LiveJournal
  readonly epoch: string
  readonly telegram: LiveTelegram
  readonly metrics: LiveMetrics | undefined
  nowSeconds(): number
  ready(): Promise<void>
  listChannels(): Promise<ChannelRef[]>
  messageEntry(message: tl.RawMessage, channel: ChannelRef, event: 'message'): Omit<JournalEntry, 'seq'>
  subscriptionClosed(subscription: HubSubscription): void
}

export interface SubscriptionStart {
  cursor: LiveCursor | null
  channels: ReadonlySet<number> | null
  /** Unix seconds: catch up with messages dated after it (start_time). */
  since: number | null
}

/** Why a subscription ended: its consumer closed it, it lagged, or the login ended (signed out, revoked). */
export type CloseReason = 'closed' | 'lagging' | 'signed_out' | 'revoked'

export class HubSubscription implements LiveSubscription {
  /** The journal seq this subscriber has taken (or skipped) up to. */
  position: number
  /** True once catch-up from history is done: the hub may close it for lagging. */
  isLive = false
  #closed: CloseReason | null = null
  #wake: (() => void) | null = null
  #started = false
  readonly #host: SubscriptionHost
  readonly #start: SubscriptionStart

  constructor(host: SubscriptionHost, start: SubscriptionStart) {
    this.#host = host
    this.#start = start
    this.position = host.journal.head
  }

  /** Why the subscription ended, or null while it runs. */
  get closedBecause(): CloseReason | null {
    return this.#closed
  }

  close(reason: CloseReason = 'closed'): void {
    if (this.#closed !== null) return
    this.#closed = reason
    this.#wake?.()
    this.#host.subscriptionClosed(this)
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    if (this.#started) throw new Error('a live subscription is read once')
    this.#started = true
    return this.#run()
  }

  async *#run(): AsyncGenerator<LiveEvent> {
    try {
      yield* this.#events()
    } finally {
      this.close()
    }
  }

  async *#events(): AsyncGenerator<LiveEvent> {
    const host = this.#host
    const { journal } = host
    const { cursor, channels, since } = this.#start
    const positions = new Map(cursor?.positions ?? [])
    const origin = cursor?.origin ?? since ?? host.nowSeconds()
    const wanted = (channelId: number): boolean => channels === null || channels.has(channelId)

    // Nobody signed in: nothing to ask Telegram.
    if (!host.telegram.authorized()) throw notSignedIn()
    await host.ready()
    if (this.#closed) return
    let needHistory: boolean
    if (cursor !== null && cursor.epoch === host.epoch && cursor.seq >= journal.oldest - 1 && cursor.seq <= journal.head) {
      this.position = cursor.seq
      needHistory = !cursor.live
    } else {
      // Otherwise the stream keeps the place it took when it subscribed: nothing after that is missed.
      needHistory = cursor !== null || since !== null
    }

    const event = (entry: Omit<JournalEntry, 'seq'>, live: boolean): LiveEvent => {
      const id = eventCursor(entry.eventId, { epoch: host.epoch, seq: this.position, live, origin, positions })
      host.metrics?.recordLiveEvent(entry.event, Math.max(0, host.nowSeconds() - entry.date))
      return { id, eventId: entry.eventId, event: entry.event, channelId: entry.channelId, data: entry.data, json: entry.json, date: entry.date }
    }

    for (;;) {
      if (needHistory) {
        this.isLive = false
        const listed = (await host.listChannels()).filter((channel) => wanted(channel.id))
        const startOf = (channel: ChannelRef) => ({ afterId: positions.get(channel.id), afterDate: origin })
        for await (const { message, channel } of catchUpFromHistory(host.telegram.caller, host.telegram.policy, listed, startOf)) {
          if (this.#closed) return
          if (message.id <= (positions.get(channel.id) ?? 0)) continue
          positions.set(channel.id, message.id)
          yield event(host.messageEntry(message, channel, 'message'), false)
        }
        needHistory = false
      }
      this.isLive = true
      for (;;) {
        if (this.#closed) return
        if (this.position < journal.oldest - 1) {
          // The journal no longer holds this subscriber's place: history has what it missed.
          this.position = journal.head
          needHistory = true
          break
        }
        if (this.position >= journal.head) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve
            void journal.next().then(resolve)
          })
          this.#wake = null
          continue
        }
        const entry = journal.at(this.position + 1)!
        this.position = entry.seq
        if (!wanted(entry.channelId)) continue
        if (entry.event === 'message') {
          if (entry.messageId <= (positions.get(entry.channelId) ?? 0)) continue
          positions.set(entry.channelId, entry.messageId)
        }
        // After a reset the channel resumes from its newest message then: the window is read again.
        if (entry.event === 'reset') positions.set(entry.channelId, Math.max(entry.messageId, positions.get(entry.channelId) ?? 0))
        yield event(entry, true)
      }
    }
  }
}
