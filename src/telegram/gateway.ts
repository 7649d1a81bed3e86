/**
 * The Telegram gateway: the one stateful object of the Telegram side. It owns the mtcute
 * client and the session record (docs/spec.md §5), and serves the HTTP layer through `Connector`.
 *
 * Life cycle: `open` reads the store (missing → not signed in; unreadable → it throws and the
 * service refuses to start), builds the client from the signed-in session or else from the
 * pending sign-in's auth key, and starts connecting without waiting for Telegram: a service
 * whose Telegram is unreachable still starts and says so in `status()`. `save` writes the
 * record; `close` saves, then disconnects.
 *
 * Sign-in steps run one at a time (they share the pending sign-in); history reads run freely.
 */
import type { ITelegramClient } from '@mtcute/core'
import type { TelegramClient } from '@mtcute/node'
import { systemClock } from '../core/clock.ts'
import type { AccountProfile, ChannelSummary, Connector, ConnectorStatus, MessageSelection, QrSignInOutcome, ReadOptions, SignInInput, SignInOutcome } from './connector.ts'
import { AppError, notSignedIn, telegramUnavailable } from '../core/errors.ts'
import type { SkippedChannel } from './connector.ts'
import type { TimeWindow } from '../core/time-window.ts'
import { EMPTY_SESSION_RECORD } from '../sessions/session-record.ts'
import type { FloodWaitPolicy } from './calls/call-with-flood-wait.ts'
import type { LiveTelegram } from './live-telegram.ts'
import { channelMessages } from './history/channel-history.ts'
import { channelSummary, listAllChannels, type ChannelRef } from './channels/channel-list.ts'
import { joinChannel, leaveChannel, selectChannels } from './channels/channel-membership.ts'
import type { ChannelName, JoinTarget } from '../core/channel-reference.ts'
import { configuredDcAddresses, withDcAddresses } from './calls/dc-addresses.ts'
import { FloodGate } from './calls/flood-gate.ts'
import { createMtcuteClient, type MtcuteClientOptions } from './calls/mtcute-client.ts'
import { fetchAccountProfile } from './account-profile.ts'
import { meteredCall } from './calls/call-with-flood-wait.ts'
import { Listeners } from './listeners.ts'
import { liveSource } from './live-source.ts'
import { runQrSignIn } from './sign-in/qr-sign-in.ts'
import { readPolicy } from './calls/read-policy.ts'
import { readLearnedLimits } from './calls/learned-limits.ts'
import { confirmRevoked } from './sign-in/revocation-check.ts'
import { isSignedOut, rpcErrorText, toAppError } from './calls/rpc-errors.ts'
import { SessionKeeper } from './sign-in/session-keeper.ts'
import { runSignIn, type SignInContext } from './sign-in/sign-in-flow.ts'
import { TelegramConnection } from './telegram-connection.ts'
import { toTelethonDict, writeTelethonJson, type TelethonDict } from './history/telethon-shape.ts'

import type { GatewayDeps } from './gateway-deps.ts'
export type { GatewayDeps, TelegramSettings } from './gateway-deps.ts'

const DEFAULT_CALL_TIMEOUT_MS = 30_000
const DEFAULT_CONNECT_WAIT_MS = 5_000

export class TelegramGateway implements Connector<TelethonDict> {
  readonly #deps: GatewayDeps
  readonly #client: TelegramClient
  /** The account's flood waits and pacing, shared by every request for the life of the process. */
  readonly #floodGate: FloodGate
  /** Aborted at close: calls waiting in the gate give up. */
  readonly #closing = new AbortController()
  readonly #session: SessionKeeper
  readonly #connection: TelegramConnection
  #closed = false
  /** Sign-in steps, one after the other. */
  #signInQueue: Promise<unknown> = Promise.resolve()
  /** Live feed listeners: channels whose gap Telegram will not replay. */
  readonly #channelTooLong: Listeners<[channelId: number]>
  /** The login ended: signed out here, or revoked (confirmed) elsewhere. */
  readonly #loginEnded = new Listeners<[reason: 'signed_out' | 'revoked']>()

  private constructor(deps: GatewayDeps, session: SessionKeeper, client: TelegramClient, channelTooLong: Listeners<[channelId: number]>) {
    this.#deps = deps
    this.#session = session
    this.#client = client
    this.#connection = new TelegramConnection(client, deps.log)
    this.#floodGate = new FloodGate({
      clock: deps.clock ?? systemClock,
      log: deps.log,
      maxConcurrency: deps.historyConcurrency,
      // What an earlier process learned of the account's limits, and what this one learns, kept with the session.
      limits: readLearnedLimits(session.record.floodLimits),
      onLearned: () => this.#session.rememberFloodLimits(this.#floodGate.limits(), true),
    })
    this.#channelTooLong = channelTooLong
  }

  /** Reads the store and starts the client; throws the store's error when the record cannot be read. */
  static async open(deps: GatewayDeps): Promise<TelegramGateway> {
    const session = await SessionKeeper.load(deps)
    const options: MtcuteClientOptions = {
      apiId: deps.telegram.apiId,
      apiHash: deps.telegram.apiHash,
      dc: deps.telegram.dc,
      publicKeyPem: deps.telegram.publicKeyPem,
      log: deps.log,
    }
    const channelTooLong = new Listeners<[channelId: number]>()
    const client = createMtcuteClient({ ...options, onChannelTooLong: (channelId) => channelTooLong.emit(channelId) })
    const gateway = new TelegramGateway(deps, session, client, channelTooLong)
    try {
      await gateway.#start()
    } catch (err) {
      await client.destroy().catch(() => {})
      throw err
    }
    return gateway
  }

  async #start(): Promise<void> {
    const client = this.#client
    // The signed-in session, else the auth key a pending code is bound to (docs/spec.md §3).
    const record = this.#session.record
    const session = record.session ?? record.pendingSignIn?.session ?? null
    const addresses = configuredDcAddresses(this.#deps.telegram.dc, this.#deps.telegram.dcAddresses)
    if (session !== null) await client.importSession(withDcAddresses(session, addresses), true)
    await this.#connection.connect(this.#deps.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS)
    // A restored session starts mtcute's update loop here; a sign-in starts it in notifyLoggedIn.
    if (this.authorized) {
      client.startUpdatesLoop().catch((err) => this.#deps.log.warn({ err: { message: (err as Error).message } }, 'Telegram updates could not start'))
    }
    this.#deps.log.info(
      { authorized: this.authorized, pendingSignIn: record.pendingSignIn !== null },
      this.authorized ? 'Telegram session restored' : 'Telegram gateway started; not signed in',
    )
  }

  get authorized(): boolean {
    return this.#session.record.session !== null
  }

  status(): ConnectorStatus {
    return { authorized: this.authorized, telegram: this.#connection.link, unreachable: this.#connection.unreachable }
  }

  signIn(input: SignInInput): Promise<SignInOutcome> {
    return this.#inSignInQueue(() => this.#signIn(input))
  }

  async #signIn(input: SignInInput): Promise<SignInOutcome> {
    return runSignIn(await this.#signInContext(), input)
  }

  signInQr(): Promise<QrSignInOutcome> {
    return this.#inSignInQueue(async () => runQrSignIn(await this.#signInContext()))
  }

  /**
   * auth.logOut at Telegram, then the record cleared in the store (a pending sign-in too). The
   * client keeps its (now unauthorized) key on the DC it is on, so a new sign-in can start at once.
   */
  signOut(): Promise<void> {
    return this.#inSignInQueue(async () => {
      this.#assertOpen()
      if (this.authorized) {
        try {
          await meteredCall(this.#client, { callTimeoutMs: this.#callTimeoutMs(), metrics: this.#deps.metrics }, { _: 'auth.logOut' })
        } catch (err) {
          // Already signed out at Telegram (revoked elsewhere): clearing the record is all that is left.
          if (!isSignedOut(err)) throw toAppError(err)
        }
        await this.#client.notifyLoggedOut()
      }
      await this.#session.commit({ ...EMPTY_SESSION_RECORD })
      await this.#session.removeCopies()
      this.#deps.log.info({}, 'signed out of Telegram; session cleared')
      this.#loginEnded.emit('signed_out')
    })
  }

  /** The signed-in account's id, username and name (GET /me). */
  async me(): Promise<AccountProfile> {
    this.#assertSignedIn()
    try {
      return await fetchAccountProfile(this.#client, { callTimeoutMs: this.#callTimeoutMs(), metrics: this.#deps.metrics })
    } catch (err) {
      throw await this.#noticeSignOut(err)
    }
  }

  #inSignInQueue<T>(run: () => Promise<T>): Promise<T> {
    const step = this.#signInQueue.then(run)
    this.#signInQueue = step.catch(() => {})
    return step
  }

  async #signInContext(): Promise<SignInContext> {
    this.#assertOpen()
    // A sign-in that finished but could not be saved is saved before it is confirmed again.
    if (this.authorized && this.#session.dirty) await this.#session.saveOrFail()
    return {
      client: this.#client as ITelegramClient,
      apiId: this.#deps.telegram.apiId,
      apiHash: this.#deps.telegram.apiHash,
      record: () => this.#session.record,
      commit: async (record) => {
        await this.#session.commit(record)
        if (record.session !== null) this.#deps.log.info({}, 'signed in to Telegram; session saved')
      },
      now: () => new Date(this.#now()),
      callTimeoutMs: this.#callTimeoutMs(),
      metrics: this.#deps.metrics,
      // A sign-in never sits through a flood wait: the caller is told how long (429, Retry-After).
      gate: this.#floodGate,
      maxWaitSeconds: () => 0,
      signal: this.#closing.signal,
    }
  }

  /**
   * Channel messages with start < date <= end, newest first, in Telethon's to_dict shape (docs/spec.md §4).
   * A channel Telegram will not let be read is logged, counted and told to `onSkip`; the rest is read whole.
   * With `selection.channels`, only those channels are read (docs/spec.md §10). Flood waits up to the
   * threshold are sat through until `read.started()` says the reader has begun answering, and up
   * to FLOOD_WAIT_MAX from then on (docs/spec.md §7).
   */
  async *channelMessages(
    window: TimeWindow,
    onSkip?: (channel: SkippedChannel) => void,
    selection: MessageSelection = {},
    read: ReadOptions = {},
  ): AsyncGenerator<TelethonDict> {
    this.#assertSignedIn()
    // start < date*1000 <= end  ⇔  floor(start/1000) < date <= floor(end/1000), dates being whole seconds.
    const dates = { after: Math.floor(window.startMs / 1000), upTo: Math.floor(window.endMs / 1000) }
    const policy = this.historyPolicy(read)
    try {
      const channels = selection.channels === undefined ? undefined : await selectChannels(this.#client, policy, selection.channels)
      const skipped = (channel: SkippedChannel): void => {
        this.#deps.log.warn({ channelId: channel.id, reason: channel.reason }, 'channel left out of the window: Telegram will not let it be read')
        this.#deps.metrics?.recordChannelSkipped(channel.reason)
        onSkip?.(channel)
      }
      const options = {
        policy,
        onSkip: skipped,
        channels,
        ...(this.#deps.historyConcurrency === undefined ? {} : { concurrency: this.#deps.historyConcurrency }),
        ...(read.after === undefined ? {} : { after: read.after }),
      }
      for await (const { message, channel } of channelMessages(this.#client, dates, options)) {
        yield toTelethonDict(message, { channel_name: channel.username, channel_title: channel.title })
      }
    } catch (err) {
      throw await this.#noticeSignOut(err)
    }
  }

  /** The account's channels and supergroups, newest message first (docs/spec.md §10). */
  async *channels(): AsyncGenerator<ChannelSummary> {
    this.#assertSignedIn()
    const listing = await listAllChannels(this.#client, this.historyPolicy()).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
    const newest = (channel: ChannelRef): number => (Number.isFinite(channel.topDate) ? channel.topDate : -1)
    const channels = [...listing.channels].sort((a, b) => newest(b) - newest(a) || a.id - b.id)
    for (const channel of channels) yield channelSummary(channel)
  }

  async joinChannel(target: JoinTarget): Promise<{ joined: boolean; channel: ChannelSummary }> {
    this.#assertSignedIn()
    try {
      const { joined, channel } = await joinChannel(this.#client, this.historyPolicy(), target)
      return { joined, channel: channelSummary(channel) }
    } catch (err) {
      throw await this.#noticeSignOut(err)
    }
  }

  async leaveChannel(name: ChannelName): Promise<void> {
    this.#assertSignedIn()
    await leaveChannel(this.#client, this.historyPolicy(), name).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
  }

  async channelIds(names: readonly ChannelName[]): Promise<ReadonlySet<number>> {
    this.#assertSignedIn()
    const selected = await selectChannels(this.#client, this.historyPolicy(), names).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
    return new Set([...selected.channels, ...selected.skipped].map((channel) => channel.id))
  }

  /** What the live feed (src/live) reads: updates, and history through the same flood-controlled seam. */
  live(): LiveTelegram {
    return liveSource({
      client: this.#client,
      policy: this.historyPolicy({ started: () => true }),
      authorized: () => this.authorized && !this.#closed,
      connection: this.#connection,
      channelTooLong: this.#channelTooLong,
      signedOut: this.#loginEnded,
    })
  }

  serializeMessage(message: TelethonDict): string {
    return writeTelethonJson(message)
  }

  /** Writes the record to the store; throws the store's error (the caller retries). */
  save(): Promise<void> {
    return this.#session.save()
  }

  /** Saves, then disconnects. When the save fails the client is still closed and `save` may be retried. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#connection.close()
    this.#closing.abort(new AppError('TELEGRAM_UNAVAILABLE', 'The Telegram gateway is shutting down.'))
    try {
      await this.#session.refresh(() => this.#client.exportSession())
      this.#session.rememberFloodLimits(this.#floodGate.limits(), false)
      await this.save()
    } finally {
      await this.#client.destroy()
    }
  }

  /**
   * Telegram answered a call as if the key were no longer signed in (revoked, deactivated).
   * One answer is not proof: a fresh call on the home DC confirms it (revocation-check.ts).
   * Until then the record stays as it is, and the request answers 503; once confirmed, the
   * record is copied aside and dropped (session-keeper.ts). Gives the error the request answers with.
   */
  async #signedOut(err: AppError): Promise<AppError> {
    const record = this.#session.record
    if (record.session === null) return err
    const telegramError = rpcErrorText(err.cause)
    const verdict = await confirmRevoked(this.#client, { callTimeoutMs: this.#callTimeoutMs(), metrics: this.#deps.metrics })
    if (verdict !== 'revoked') {
      this.#deps.log.warn({ telegramError, confirmation: verdict }, 'Telegram answered a call as if the session were signed out, but did not confirm it: the session is kept')
      return telegramUnavailable(err.cause)
    }
    // Reads that failed together confirm together; the first to get here drops the record.
    await this.#session.dropRevoked(record, telegramError)
    if (!this.authorized) this.#loginEnded.emit('revoked')
    return err
  }

  #assertSignedIn(): void {
    this.#assertOpen()
    if (!this.authorized) throw notSignedIn()
  }

  /** How history and channel calls meet flood waits (read-policy.ts). */
  historyPolicy(read: ReadOptions = {}): FloodWaitPolicy {
    const { floodWaitThreshold, floodWaitMax, metrics } = this.#deps
    return readPolicy(
      { gate: this.#floodGate, thresholdSeconds: floodWaitThreshold, maxSeconds: floodWaitMax, callTimeoutMs: this.#callTimeoutMs(), metrics, closing: this.#closing.signal },
      read,
    )
  }

  /** A call that found the session signed out: the error to pass on, once the revocation is checked. */
  async #noticeSignOut(err: unknown): Promise<unknown> {
    return err instanceof AppError && err.code === 'NOT_SIGNED_IN' ? await this.#signedOut(err) : err
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('TELEGRAM_UNAVAILABLE', 'The Telegram gateway is shutting down.')
  }

  #now(): number {
    return this.#deps.now?.() ?? (this.#deps.clock ?? systemClock).now()
  }

  #callTimeoutMs(): number {
    return this.#deps.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
  }
}
