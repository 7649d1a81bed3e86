/**
 * The live feed's contract (docs/spec.md §8): what every consumer of new channel messages (the SSE
 * route, the webhook sink, the NATS sink) reads, and what the update source provides. Events
 * of one channel come in Telegram's order (pts order: message ids ascending for new posts);
 * events of different channels may interleave.
 */

/**
 * `reset`: the feed could not replay a channel (a hole it had to give up, a difference Telegram
 * would not give): its messages dated in the window named must be read again (GET /messages).
 */
export type LiveEventKind = 'message' | 'edit' | 'delete' | 'reset'

export interface LiveEvent {
  /**
   * The opaque resume cursor of this event: subscribing with `after: id` yields exactly the
   * events that came after this one (none twice, none missing). Safe in an SSE `id:` line and
   * in an HTTP header (no newlines, no NUL). It begins with `eventId` and a `/`, so the SSE
   * `id:` names the event as the other transports do.
   */
  readonly id: string
  /**
   * This event's own id (event-id.ts): the same on every transport and every re-send, different
   * for any two events. What a consumer deduplicates by.
   */
  readonly eventId: string
  readonly event: LiveEventKind
  /** The bare channel id, as in `PeerChannel.channel_id`. */
  readonly channelId: number
  /**
   * message / edit: the message in Telethon's to_dict shape, `meta` included (as GET /messages);
   * delete: `{ channel_id, ids }`; reset: `{ channel_id, start_time, end_time, reason }`.
   */
  readonly data: unknown
  /** `data` as JSON text, 64-bit integers exact: what SSE, webhooks and NATS put on the wire. */
  readonly json: string
  /** The message's date (edit: its edit date), or when a deletion was seen: Unix seconds, for lag metrics. */
  readonly date: number
}

export interface SubscribeOptions {
  /** Resume right after this cursor; null starts with what is posted from now on. */
  after: string | null
  /** Only these channels (bare ids); null or absent: every channel of the account. */
  channels?: ReadonlySet<number> | null | undefined
  /**
   * With no `after`: first every message dated after this (Unix seconds), oldest first, then
   * live (a `start_time`). Ignored when `after` is given.
   */
  since?: number | null | undefined
}

/** One consumer's view of the feed; `close` ends the iteration and frees its buffer. */
export interface LiveSubscription extends AsyncIterable<LiveEvent> {
  close(): void
}

export interface LiveFeed {
  /** Throws AppError INVALID_CURSOR (400) when `after` is not a cursor of this feed. */
  subscribe(options: SubscribeOptions): LiveSubscription
  /**
   * A cursor standing before any event: subscribing after it yields what comes from now on
   * (null) or every message dated after `since` (Unix seconds), then live; and after a restart
   * the messages dated after the moment it was made. Where a sink's delivery begins.
   */
  startCursor(since: number | null): string
}
