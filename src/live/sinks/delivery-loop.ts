/**
 * Drives one sink from the live feed, at least once and in order (docs/spec.md §8): subscribe after
 * the sink's resume cursor, then offer one event at a time until the sink delivers or
 * refuses it, committing the cursor after each. A failed attempt is retried for as long as
 * it takes, after a backoff with jitter (retry-delay.ts) or the target's Retry-After; nothing
 * is skipped but what the target itself refuses. A feed that ends by itself (a subscriber
 * that fell too far behind, say) is subscribed to again after the last committed event.
 */
import { systemClock, type Clock } from '../../core/clock.ts'
import type { SinkDeliveryMetrics } from '../../metrics/sink-metrics.ts'
import type { LiveEvent, LiveFeed, LiveSubscription } from '../live-feed.ts'
import { ReadAhead } from './read-ahead.ts'
import { SINK_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry-delay.ts'
import type { Sink, SinkLog, SinkName } from './sink.ts'

export interface DeliveryLoopOptions {
  sink: Sink
  feed: LiveFeed
  /** Only these channels (SubscribeOptions.channels); null or absent: every channel of the account. */
  channels?: ReadonlySet<number> | null | undefined
  log: SinkLog
  metrics?: SinkDeliveryMetrics | undefined
  /** Backoff sleeps and the lag's "now". */
  clock?: Clock | undefined
  /** Jitter, in [0, 1). */
  random?: (() => number) | undefined
  policy?: RetryPolicy | undefined
  /** Events read from the feed ahead of delivery (default 1000). */
  readAhead?: number | undefined
  /** SINK_START_AT: where a sink that has never started begins (Unix seconds); null or absent: the feed's position then. */
  startAt?: number | null | undefined
}

/**
 * starting: finding where to resume; ok: the last attempt succeeded (or none failed); retrying:
 * backing off after a failure; gone: the target said it no longer exists, and delivery stopped.
 */
export type DeliveryState = 'starting' | 'ok' | 'retrying' | 'gone' | 'stopped'

export interface SinkStatus {
  readonly sink: SinkName
  readonly state: DeliveryState
  /** Whether the target can be reached, as far as the sink knows. */
  readonly reachable: boolean
  /** Events read from the feed and not yet delivered or refused. */
  readonly pending: number
  /** Seconds since the oldest pending event happened; 0 when nothing is pending. */
  readonly lagSeconds: number
  readonly delivered: number
  readonly refused: number
  readonly retries: number
  /** Why the last attempt failed (a status or error code), until one succeeds. */
  readonly lastError: string | null
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : (err as Error).message ?? String(err)
}

export class DeliveryLoop {
  readonly #options: DeliveryLoopOptions
  readonly #sink: Sink
  readonly #clock: Clock
  readonly #policy: RetryPolicy
  readonly #stop = new AbortController()
  #state: DeliveryState = 'starting'
  #subscription: LiveSubscription | null = null
  #ahead: ReadAhead<LiveEvent> | null = null
  #inHand: LiveEvent | null = null
  #delivered = 0
  #refused = 0
  #retries = 0
  #lastError: string | null = null
  /** Why the last subscription to the feed failed, while failures go on. */
  #feedError: string | null = null
  readonly #running: Promise<void>

  private constructor(options: DeliveryLoopOptions) {
    this.#options = options
    this.#sink = options.sink
    this.#clock = options.clock ?? systemClock
    this.#policy = options.policy ?? SINK_RETRY_POLICY
    this.#running = this.#run().catch((err: unknown) => {
      // Not expected (every failure of the target is retried); said loudly rather than lost.
      options.log.error({ sink: this.#sink.name, err: { message: (err as Error).message } }, 'the delivery loop stopped on an unexpected error')
    })
  }

  static start(options: DeliveryLoopOptions): DeliveryLoop {
    return new DeliveryLoop(options)
  }

  get name(): SinkName {
    return this.#sink.name
  }

  status(): SinkStatus {
    const ahead = this.#ahead?.size ?? 0
    const oldest = this.#inHand ?? this.#ahead?.peek() ?? null
    return {
      sink: this.#sink.name,
      state: this.#state,
      reachable: this.#sink.reachable(),
      pending: ahead + (this.#inHand === null ? 0 : 1),
      lagSeconds: oldest === null ? 0 : Math.max(0, this.#clock.now() / 1000 - oldest.date),
      delivered: this.#delivered,
      refused: this.#refused,
      retries: this.#retries,
      lastError: this.#lastError,
    }
  }

  /** Ends the attempt in flight (it is made again after a restart), then closes the sink. */
  async stop(): Promise<void> {
    this.#stop.abort()
    this.#ahead?.close()
    this.#subscription?.close()
    await this.#running
    await this.#sink.close()
    if (this.#state !== 'gone') this.#state = 'stopped'
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted
  }

  async #run(): Promise<void> {
    const { log, feed } = this.#options
    const sink = this.#sink.name
    // Where the sink began is recorded before its target is even reached: a target away since
    // the very first start loses nothing of what the feed gave from then on.
    const start = await this.#begin()
    let cursor = (await this.#openSink()) ?? start
    // Subscriptions in a row that failed or ended before an event was settled: the pause before
    // the next grows with it (nobody signed in, Telegram away), so nothing spins.
    let fruitless = 0
    while (!this.#stopping) {
      if (cursor === null) cursor = await this.#begin(true)
      if (cursor === null) return
      let subscription: LiveSubscription
      try {
        subscription = feed.subscribe({ after: cursor, channels: this.#options.channels ?? null })
      } catch (err) {
        // The feed does not know the cursor (INVALID_CURSOR: written by something else, or a
        // format it no longer reads); it never will, so waiting cannot help.
        if (cursor === null) throw err
        log.error({ sink, resumeAfter: cursor, err: { message: (err as Error).message } }, 'the live feed cannot resume after the saved cursor; delivery starts with new events')
        cursor = null
        continue
      }
      const ahead = new ReadAhead<LiveEvent>(subscription, this.#options.readAhead ?? 1000)
      this.#subscription = subscription
      this.#ahead = ahead
      fruitless++
      try {
        for (let event = await ahead.take(); event !== undefined; event = await ahead.take()) {
          this.#inHand = event
          if (!(await this.#settle(event))) break
          if (this.#state === 'gone') return
          cursor = event.id
          this.#inHand = null
          fruitless = 0
        }
      } catch (err) {
        // Said once per series of failures, not at every attempt.
        const reason = reasonOf(err)
        if (fruitless === 1 || reason !== this.#feedError) log.warn({ sink, reason, err: { message: (err as Error).message } }, 'the live feed failed; subscribing again after the last delivered event, with backoff')
        this.#feedError = reason
      } finally {
        ahead.close()
        subscription.close()
        this.#inHand = null
      }
      // A feed that ended by itself is not spun on.
      if (!this.#stopping) await this.#sleep(fruitless === 0 ? this.#policy.initialMs : retryDelay(this.#policy, fruitless, this.#random()))
      if (fruitless === 0) this.#feedError = null
    }
  }

  /** The sink's resume cursor, retried until the target answers (or the loop stops). */
  async #openSink(): Promise<string | null> {
    const { log } = this.#options
    // A stop does not wait for a connection attempt to time out (the sink's close ends it). One
    // listener for every attempt: one per attempt would pile up on the signal while the target
    // stays away.
    const stopped = new Promise<'stopped'>((resolve) => this.#stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true }))
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        const cursor = await Promise.race([this.#sink.open(), stopped])
        if (cursor === 'stopped') return null
        this.#state = 'ok'
        this.#lastError = null
        log.info({ sink: this.#sink.name, resumeAfter: cursor }, cursor === null ? 'delivering the live feed from new events on' : 'delivering the live feed after the last delivered event')
        return cursor
      } catch (err) {
        this.#lastError = reasonOf(err)
        this.#state = 'starting'
        const delay = retryDelay(this.#policy, attempt, this.#random())
        log.warn({ sink: this.#sink.name, attempt, reason: this.#lastError, retryInMs: delay }, 'cannot open the sink; retrying')
        await this.#sleep(delay)
      }
    }
    return null
  }

  /**
   * Where the sink began: its record, or, for a sink that has never started (or when `again`),
   * a new one (the feed's position now, or SINK_START_AT) kept before anything is delivered.
   * Retried until the store answers; null when the loop stopped first.
   */
  async #begin(again = false): Promise<string | null> {
    const { log, feed } = this.#options
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        const recorded = again ? null : await this.#sink.started()
        if (recorded !== null) return recorded
        const start = feed.startCursor(this.#options.startAt ?? null)
        await this.#sink.begin(start)
        log.info({ sink: this.#sink.name, startAt: this.#options.startAt ?? 'now' }, 'the sink starts here: its delivery begins with what the feed gives from this point')
        return start
      } catch (err) {
        this.#lastError = reasonOf(err)
        const delay = retryDelay(this.#policy, attempt, this.#random())
        log.warn({ sink: this.#sink.name, attempt, reason: this.#lastError, retryInMs: delay }, 'cannot record where the sink starts; retrying')
        await this.#sleep(delay)
      }
    }
    return null
  }

  /** Delivers or skips one event; false when the loop stopped first. */
  async #settle(event: LiveEvent): Promise<boolean> {
    const { log, metrics } = this.#options
    const sink = this.#sink.name
    for (let attempt = 1; ; attempt++) {
      const result = await this.#sink.deliver(event, this.#stop.signal)
      if (result.kind === 'delivered') {
        this.#delivered++
        metrics?.recordDelivered(sink, Math.max(0, this.#clock.now() / 1000 - event.date))
        this.#state = 'ok'
        this.#lastError = null
        await this.#commit(event)
        return true
      }
      if (this.#stopping) return false
      if (result.kind === 'gone') {
        this.#state = 'gone'
        this.#lastError = result.reason
        log.error({ sink, target: this.#sink.describe?.(), reason: result.reason, undelivered: event.id }, 'the target is gone; deliveries to it stop until the service restarts')
        return true
      }
      if (result.kind === 'refused') {
        this.#refused++
        metrics?.recordRefused(sink)
        this.#state = 'ok'
        log.warn({ sink, event: event.event, channelId: event.channelId, id: event.id, reason: result.reason }, 'the target refused an event; it is skipped')
        await this.#commit(event)
        return true
      }
      this.#retries++
      metrics?.recordRetry(sink)
      this.#state = 'retrying'
      this.#lastError = result.reason
      const delay = retryDelay(this.#policy, attempt, this.#random(), result.retryAfterMs)
      log.warn({ sink, event: event.event, channelId: event.channelId, id: event.id, attempt, reason: result.reason, retryInMs: delay }, 'delivery failed; retrying')
      await this.#sleep(delay)
      if (this.#stopping) return false
    }
  }

  async #commit(event: LiveEvent): Promise<void> {
    try {
      await this.#sink.commit(event)
    } catch (err) {
      // The next commit carries a later cursor: a failure here costs at most a re-delivery
      // after a restart, never a gap, so delivery goes on.
      this.#options.log.warn({ sink: this.#sink.name, err: { message: (err as Error).message } }, 'could not save the delivery cursor; a restart may deliver some events again')
    }
  }

  #random(): number {
    return (this.#options.random ?? Math.random)()
  }

  #sleep(ms: number): Promise<void> {
    return this.#clock.sleep(ms, { signal: this.#stop.signal, keepAlive: false })
  }
}
