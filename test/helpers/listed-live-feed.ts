/**
 * A LiveFeed over a list of events: the input data of the sink tests until they run through
 * the service itself. It keeps the feed's contract (src/live/live-feed.ts): `after` resumes
 * right after that event, `channels` filters, new events are appended while subscribers wait,
 * and `close` ends an iteration. `end(subscription)` ends one from the feed's side, as a feed
 * does with a subscriber that fell too far behind.
 */
import type { LiveEvent, LiveEventKind, LiveFeed, LiveSubscription, SubscribeOptions } from '../../src/live/live-feed.ts'

interface Subscriber {
  wake(): void
  ended: boolean
}

export class ListedLiveFeed implements LiveFeed {
  readonly events: LiveEvent[] = []
  readonly #subscribers = new Set<Subscriber>()
  /** How many subscriptions were opened, and with which `after`. */
  readonly subscriptions: Array<string | null> = []

  constructor(events: readonly LiveEvent[] = []) {
    this.events.push(...events)
  }

  append(...events: LiveEvent[]): void {
    this.events.push(...events)
    for (const subscriber of this.#subscribers) subscriber.wake()
  }

  /** Ends every open subscription from the feed's side. */
  endAll(): void {
    for (const subscriber of this.#subscribers) {
      subscriber.ended = true
      subscriber.wake()
    }
  }

  /** `start:<index>`: before the event at that index (the list's first, as `after: null` reads it, or the first dated after `since`). */
  startCursor(since: number | null): string {
    const index = since === null ? 0 : this.events.findIndex((event) => event.date > since)
    return `start:${index < 0 ? this.events.length : index}`
  }

  subscribe(options: SubscribeOptions): LiveSubscription {
    this.subscriptions.push(options.after)
    let index = 0
    if (options.after?.startsWith('start:')) {
      index = Number(options.after.slice('start:'.length))
    } else if (options.after !== null) {
      index = this.events.findIndex((event) => event.id === options.after) + 1
      if (index === 0) throw new Error(`unknown cursor ${options.after}`)
    }
    const channels = options.channels ?? null
    let wake: (() => void) | null = null
    const subscriber: Subscriber = { ended: false, wake: () => { const w = wake; wake = null; w?.() } }
    this.#subscribers.add(subscriber)
    const events = this.events
    const subscribers = this.#subscribers
    const close = (): void => {
      subscriber.ended = true
      subscribers.delete(subscriber)
      subscriber.wake()
    }
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (index < events.length && !subscriber.ended) {
              const event = events[index++]!
              if (channels === null || channels.has(event.channelId)) yield event
            }
            if (subscriber.ended) return
            await new Promise<void>((resolve) => { wake = resolve })
          }
        } finally {
          close()
        }
      },
    }
  }
}

/** A big integer that a JSON round trip through a double would change: it must arrive as written. */
export const EXACT_GROUPED_ID = '-9123372036854775807'

let sequence = 0

/** A live event in the feed's shape: a post (or its edit) in Telethon's to_dict shape, or a deletion. */
export function liveEvent(kind: LiveEventKind, channelId: number, messageId: number, date: number, ids: number[] = [messageId]): LiveEvent {
  sequence++
  const id = `c${sequence}-${channelId}-${messageId}`
  // As the feed names them (src/live/event-id.ts), the sequence standing for the pts.
  const eventId = kind === 'message' ? `${channelId}:${messageId}` : kind === 'edit' ? `${channelId}:${messageId}:edit:${sequence}` : `${channelId}:${kind}:${sequence}`
  if (kind === 'delete') {
    const data = { channel_id: channelId, ids }
    return { id, eventId, event: kind, channelId, data, json: JSON.stringify(data), date }
  }
  const iso = new Date(date * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00')
  const data = {
    _: 'Message',
    id: messageId,
    peer_id: { _: 'PeerChannel', channel_id: channelId },
    date: iso,
    message: `post ${messageId} in ${channelId}`,
    edit_date: kind === 'edit' ? iso : null,
    meta: { channel_name: `channel_${channelId}`, channel_title: `Channel ${channelId}` },
  }
  const json = JSON.stringify({ ...data, grouped_id: 0 }).replace('"grouped_id":0', `"grouped_id":${EXACT_GROUPED_ID}`)
  return { id, eventId, event: kind, channelId, data, json, date }
}

/** `count` posts spread over `channels`, interleaved, with message ids rising per channel. */
export function interleavedPosts(channels: number[], count: number, startDate: number): LiveEvent[] {
  return Array.from({ length: count }, (_, i) => liveEvent('message', channels[i % channels.length]!, 100 + Math.floor(i / channels.length), startDate + i))
}
