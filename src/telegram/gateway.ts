/**
 * The Telegram gateway: the one stateful object of the Telegram side. It owns the mtcute
 * client and the session record (SPEC §5), and serves the HTTP layer through `Connector`.
 *
 * Life cycle: `open` reads the store (missing → not signed in; unreadable → it throws and the
 * service refuses to start), builds the client from the signed-in session or else from the
 * pending sign-in's auth key, and starts connecting without waiting for Telegram: a service
 * whose Telegram is unreachable still starts and says so in `status()`. `save` writes the
 * record; `close` saves, then disconnects.
 *
 * Sign-in steps run one at a time (they share the pending sign-in); history reads run freely.
 */
import type { ITelegramClient, RawUpdateInfo } from '@mtcute/core'
import type { TelegramClient } from '@mtcute/node'
import { systemClock, type Clock } from '../clock.ts'
import type { AccountProfile, ChannelSummary, Connector, MessageSelection, QrSignInOutcome, ReadOptions, SignInInput, SignInOutcome, TelegramLink } from '../connector.ts'
import { DEFAULT_FLOOD_WAIT_MAX_SECONDS } from '../config.ts'
import { AppError, notSignedIn, sessionStoreUnavailable, telegramUnavailable } from '../errors.ts'
import type { TimeWindow } from '../http/time-window.ts'
import type { ChannelMetrics, SessionMetrics, TelegramMetrics } from '../metrics/service-metrics.ts'
import type { BlobStore } from '../sessions/blob-store.ts'
import { REVOKED_RECORD, loadSessionRecord, saveRevokedRecord, saveSessionRecord } from '../sessions/session-persistence.ts'
import { EMPTY_SESSION_RECORD, type SessionRecord } from '../sessions/session-record.ts'
import type { FloodWaitPolicy } from './call-with-flood-wait.ts'
import type { LiveTelegram } from '../live/live-telegram.ts'
import { channelMessages, type SkippedChannel } from './channel-history.ts'
import { listAllChannels, type ChannelRef } from './channel-list.ts'
import { joinChannel, leaveChannel, selectChannels } from './channel-membership.ts'
import type { ChannelName, JoinTarget } from './channel-reference.ts'
import { configuredDcAddresses, withDcAddresses, type DcEndpoint } from './dc-addresses.ts'
import { FloodGate } from './flood-gate.ts'
import { createMtcuteClient, type MtcuteClientOptions, type TelegramLog } from './mtcute-client.ts'
import { fetchAccountProfile } from './account-profile.ts'
import { meteredCall } from './call-with-flood-wait.ts'
import { runQrSignIn } from './qr-sign-in.ts'
import { confirmRevoked } from './revocation-check.ts'
import { isSignedOut, rpcErrorText, toAppError } from './rpc-errors.ts'
import { runSignIn, type SignInContext } from './sign-in-flow.ts'
import { toTelethonDict, writeTelethonJson, type TelethonDict } from './telethon-shape.ts'

export interface TelegramSettings {
  apiId: number
  apiHash: string
  /** A custom MTProto server: the DC a new sign-in starts on (id 2 unless given). */
  dc?: { host: string; port: number; id?: number } | undefined
  /** Addresses of DCs by id; each replaces the address a stored session names for that DC (dc-addresses.ts). */
  dcAddresses?: Readonly<Record<number, DcEndpoint>> | undefined
  publicKeyPem?: string | undefined
}

export interface GatewayDeps {
  store: BlobStore
  /** SESSION_ENCRYPTION_KEY, or null/absent to keep the record in clear. */
  sessionKey?: Buffer | null | undefined
  telegram: TelegramSettings
  log: TelegramLog
  /** Flood waits up to this many seconds are waited out before a response has started (default 10). */
  floodWaitThreshold?: number | undefined
  /** Flood waits up to this many seconds are waited out once it has started (FLOOD_WAIT_MAX, default 300). */
  floodWaitMax?: number | undefined
  /** Per-call timeout in milliseconds (default 30 000). */
  callTimeoutMs?: number | undefined
  /**
   * How long `open` waits for the first connection before returning anyway (default 5 000 ms);
   * the connection goes on in the background.
   */
  connectWaitMs?: number | undefined
  /** Pages of history fetched at once (default 4). */
  historyConcurrency?: number | undefined
  /** Sign-in dates (default: `clock`). */
  now?: (() => number) | undefined
  /** Flood waits and pacing (default: the system clock). */
  clock?: Clock | undefined
  /** Calls of one method sent one at a time before they may overlap (default 64; see flood-gate.ts). */
  floodProbeCalls?: number | undefined
  /** Counts RPCs, flood waits and session saves (GET /metrics); absent, nothing is counted. */
  metrics?: (TelegramMetrics & ChannelMetrics & SessionMetrics) | undefined
}

const DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS = 10
const DEFAULT_CALL_TIMEOUT_MS = 30_000
const FLOOD_WAIT_RETRIES = 5
const DEFAULT_CONNECT_WAIT_MS = 5_000
const CONNECT_POLL_MS = 20

export class TelegramGateway implements Connector<TelethonDict> {
  readonly #deps: GatewayDeps
  readonly #client: TelegramClient
  /** The account's flood waits and pacing, shared by every request for the life of the process. */
  readonly #floodGate: FloodGate
  /** Aborted at close: calls waiting in the gate give up. */
  readonly #closing = new AbortController()
  #record: SessionRecord
  #link: TelegramLink = 'disconnected'
  /** The record in memory differs from the one in the store (a write failed, or a sign-out). */
  #dirty = false
  #closed = false
  /** Sign-in steps, one after the other. */
  #signInQueue: Promise<unknown> = Promise.resolve()
  /** Store writes, one after the other, so an older record never lands after a newer one. */
  #saveQueue: Promise<unknown> = Promise.resolve()
  #reportedLinkError = false

  /** Live feed listeners: channels whose gap Telegram will not replay; reconnections. */
  readonly #tooLong: Set<(channelId: number) => void>
  readonly #reconnected = new Set<() => void>()

  private constructor(deps: GatewayDeps, record: SessionRecord, client: TelegramClient, tooLong: Set<(channelId: number) => void>) {
    this.#deps = deps
    this.#record = record
    this.#client = client
    this.#floodGate = new FloodGate({
      clock: deps.clock ?? systemClock,
      log: deps.log,
      maxConcurrency: deps.historyConcurrency,
      probeCalls: deps.floodProbeCalls,
    })
    this.#tooLong = tooLong
  }

  /** Reads the store and starts the client; throws the store's error when the record cannot be read. */
  static async open(deps: GatewayDeps): Promise<TelegramGateway> {
    const record = await loadSessionRecord(deps.store, deps.sessionKey ?? null)
    const options: MtcuteClientOptions = {
      apiId: deps.telegram.apiId,
      apiHash: deps.telegram.apiHash,
      dc: deps.telegram.dc,
      publicKeyPem: deps.telegram.publicKeyPem,
      log: deps.log,
    }
    const tooLong = new Set<(channelId: number) => void>()
    const client = createMtcuteClient({ ...options, onChannelTooLong: (channelId) => tooLong.forEach((listener) => listener(channelId)) })
    const gateway = new TelegramGateway(deps, record, client, tooLong)
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
    client.onConnectionState.add((state) => {
      if (this.#closed) return
      const was = this.#link
      this.#link = state === 'connected' || state === 'updating' ? 'connected' : state === 'connecting' ? 'connecting' : 'disconnected'
      if (this.#link === 'connected') this.#reportedLinkError = false
      if (this.#link === 'connected' && was !== 'connected') this.#reconnected.forEach((listener) => listener())
    })
    client.onError.add((err) => {
      // mtcute reconnects on its own; say so once per outage, not once per attempt.
      if (this.#reportedLinkError) return
      this.#reportedLinkError = true
      this.#deps.log.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'Telegram connection error; reconnecting')
    })
    // The signed-in session, else the auth key a pending code is bound to (SPEC §3).
    const session = this.#record.session ?? this.#record.pendingSignIn?.session ?? null
    const addresses = configuredDcAddresses(this.#deps.telegram.dc, this.#deps.telegram.dcAddresses)
    if (session !== null) await client.importSession(withDcAddresses(session, addresses), true)
    this.#link = 'connecting'
    let socketUp = false
    const onState = (state: string): void => {
      if (state === 'connected') socketUp = true
    }
    client.onConnectionState.add(onState)
    try {
      await client.connect()
      await this.#awaitUsable(() => socketUp)
    } finally {
      client.onConnectionState.remove(onState)
    }
    // A restored session starts mtcute's update loop here; a sign-in starts it in notifyLoggedIn.
    if (this.authorized) {
      client.startUpdatesLoop().catch((err) => this.#deps.log.warn({ err: { message: (err as Error).message } }, 'Telegram updates could not start'))
    }
    this.#deps.log.info(
      { authorized: this.authorized, pendingSignIn: this.#record.pendingSignIn !== null },
      this.authorized ? 'Telegram session restored' : 'Telegram gateway started; not signed in',
    )
  }

  /**
   * connect() returns once connecting has started. Waiting (bounded: an unreachable Telegram
   * shows in status() instead) until the socket is up and the auth key exists lets the first
   * request go out at once: mtcute holds requests queued before then for up to a second
   * (session-connection.js onConnectionUsable). exportSession() succeeds once the key is stored.
   */
  async #awaitUsable(socketUp: () => boolean): Promise<void> {
    // Real time, not the injected clock: this waits for a network.
    const deadline = performance.now() + (this.#deps.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS)
    while (performance.now() < deadline) {
      if (socketUp() && (await this.#client.exportSession().then(() => true, () => false))) return
      await new Promise((resolve) => setTimeout(resolve, CONNECT_POLL_MS))
    }
  }

  get authorized(): boolean {
    return this.#record.session !== null
  }

  status(): { authorized: boolean; telegram: TelegramLink } {
    return { authorized: this.authorized, telegram: this.#closed ? 'disconnected' : this.#link }
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
      if (this.#record.session !== null) {
        try {
          await meteredCall(this.#client, { callTimeoutMs: this.#callTimeoutMs(), metrics: this.#deps.metrics }, { _: 'auth.logOut' })
        } catch (err) {
          // Already signed out at Telegram (revoked elsewhere): clearing the record is all that is left.
          if (!isSignedOut(err)) throw toAppError(err)
        }
        await this.#client.notifyLoggedOut()
      }
      this.#record = { ...EMPTY_SESSION_RECORD }
      this.#dirty = true
      await this.#saveOrFail()
      this.#deps.log.info({}, 'signed out of Telegram; session cleared')
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
    if (this.authorized && this.#dirty) await this.#saveOrFail()
    return {
      client: this.#client as ITelegramClient,
      apiId: this.#deps.telegram.apiId,
      apiHash: this.#deps.telegram.apiHash,
      record: () => this.#record,
      commit: async (record) => {
        this.#record = record
        this.#dirty = true
        await this.#saveOrFail()
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
   * Channel messages with start < date <= end, newest first, in Telethon's to_dict shape (SPEC §4).
   * A channel Telegram will not let be read is logged, counted and told to `onSkip`; the rest is read whole.
   * With `selection.channels`, only those channels are read (SPEC §10). Flood waits up to the
   * threshold are sat through until `read.started()` says the reader has begun answering, and up
   * to FLOOD_WAIT_MAX from then on (SPEC §7).
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

  /** The account's channels and supergroups, newest message first (SPEC §10). */
  async *channels(): AsyncGenerator<ChannelSummary> {
    this.#assertSignedIn()
    const listing = await listAllChannels(this.#client, this.#policy()).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
    const newest = (channel: ChannelRef): number => (Number.isFinite(channel.topDate) ? channel.topDate : -1)
    const channels = [...listing.channels].sort((a, b) => newest(b) - newest(a) || a.id - b.id)
    for (const channel of channels) yield channelSummary(channel)
  }

  async joinChannel(target: JoinTarget): Promise<{ joined: boolean; channel: ChannelSummary }> {
    this.#assertSignedIn()
    try {
      const { joined, channel } = await joinChannel(this.#client, this.#policy(), target)
      return { joined, channel: channelSummary(channel) }
    } catch (err) {
      throw await this.#noticeSignOut(err)
    }
  }

  async leaveChannel(name: ChannelName): Promise<void> {
    this.#assertSignedIn()
    await leaveChannel(this.#client, this.#policy(), name).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
  }

  async channelIds(names: readonly ChannelName[]): Promise<ReadonlySet<number>> {
    this.#assertSignedIn()
    const selected = await selectChannels(this.#client, this.#policy(), names).catch(async (err: unknown) => {
      throw await this.#noticeSignOut(err)
    })
    return new Set([...selected.channels, ...selected.skipped].map((channel) => channel.id))
  }

  /** What the live feed (src/live) reads: updates, and history through the same flood-controlled seam. */
  live(): LiveTelegram {
    const client = this.#client
    return {
      caller: client,
      // A live stream has always begun answering: its catch-up sits through waits up to FLOOD_WAIT_MAX.
      policy: this.historyPolicy({ started: () => true }),
      authorized: () => this.authorized && !this.#closed,
      onUpdate: (listener) => {
        const handler = (info: RawUpdateInfo): void => listener(info.update, info.peers)
        client.onRawUpdate.add(handler)
        return () => client.onRawUpdate.remove(handler)
      },
      onChannelTooLong: (listener) => {
        this.#tooLong.add(listener)
        return () => this.#tooLong.delete(listener)
      },
      onReconnected: (listener) => {
        this.#reconnected.add(listener)
        return () => this.#reconnected.delete(listener)
      },
    }
  }

  serializeMessage(message: TelethonDict): string {
    return writeTelethonJson(message)
  }

  /** Writes the record to the store; throws the store's error (the caller retries). */
  save(): Promise<void> {
    const write = this.#saveQueue.then(async () => {
      const record = this.#record
      try {
        await saveSessionRecord(this.#deps.store, this.#deps.sessionKey ?? null, record)
      } catch (err) {
        this.#deps.metrics?.recordSessionSave('failed')
        throw err
      }
      this.#deps.metrics?.recordSessionSave('ok')
      if (record === this.#record) this.#dirty = false
    })
    this.#saveQueue = write.catch(() => {})
    return write
  }

  /** Saves, then disconnects. When the save fails the client is still closed and `save` may be retried. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#link = 'disconnected'
    this.#closing.abort(new AppError('TELEGRAM_UNAVAILABLE', 'The Telegram gateway is shutting down.'))
    try {
      await this.#refreshSession()
      await this.save()
    } finally {
      await this.#client.destroy()
    }
  }

  /** The session as mtcute has it now (it records DC moves), for the save at shutdown. */
  async #refreshSession(): Promise<void> {
    if (this.#record.session === null) return
    try {
      const session = await this.#client.exportSession()
      if (session !== this.#record.session) this.#record = { ...this.#record, session }
    } catch (err) {
      this.#deps.log.warn({ err: { message: (err as Error).message } }, 'could not export the Telegram session; saving the one on record')
    }
  }

  async #saveOrFail(): Promise<void> {
    try {
      await this.save()
    } catch (err) {
      this.#deps.log.error({ err: { message: (err as Error).message }, store: this.#deps.store.describe() }, 'could not save the session')
      throw sessionStoreUnavailable(err)
    }
  }

  /**
   * Telegram answered a call as if the key were no longer signed in (revoked, deactivated).
   * One answer is not proof: a fresh call on the home DC confirms it (revocation-check.ts).
   * Until then the record stays as it is, and the request answers 503. Once confirmed, the
   * record is first copied to the store's '.revoked' sibling — the login is dropped only when
   * that copy is safe — then forgotten and saved. Gives the error the request answers with.
   */
  async #signedOut(err: AppError): Promise<AppError> {
    const record = this.#record
    if (record.session === null) return err
    const { log, store } = this.#deps
    const telegramError = rpcErrorText(err.cause)
    const verdict = await confirmRevoked(this.#client, { callTimeoutMs: this.#callTimeoutMs(), metrics: this.#deps.metrics })
    if (verdict !== 'revoked') {
      log.warn({ telegramError, confirmation: verdict }, 'Telegram answered a call as if the session were signed out, but did not confirm it: the session is kept')
      return telegramUnavailable(err.cause)
    }
    // Reads that failed together confirm together; the first to get here drops the record.
    if (this.#record !== record) return err
    try {
      await saveRevokedRecord(store, this.#deps.sessionKey ?? null, record)
    } catch (saveErr) {
      log.error({ err: { message: (saveErr as Error).message }, store: store.describe() }, 'Telegram revoked the session, but its record could not be copied aside: it is kept until it can be')
      return err
    }
    if (this.#record !== record) return err
    this.#record = { ...EMPTY_SESSION_RECORD }
    this.#dirty = true
    log.warn({ telegramError, store: store.describe(), copy: `${store.describe()}${REVOKED_RECORD}` }, 'Telegram confirms the session is no longer signed in; its record is kept in the copy; POST /sign_in again')
    await this.save().catch((saveErr: unknown) => {
      log.error({ err: { message: (saveErr as Error).message }, store: store.describe() }, 'could not save the signed-out session; it is saved again at shutdown')
    })
    return err
  }

  #assertSignedIn(): void {
    this.#assertOpen()
    if (!this.authorized) throw notSignedIn()
  }

  /** Telegram's answer to history and channel calls: waits up to the threshold, then 429. */
  #policy(): FloodWaitPolicy {
    return this.historyPolicy()
  }

  /**
   * How history reads meet flood waits: through the account's gate, sitting through waits up to
   * the threshold — up to FLOOD_WAIT_MAX once `read.started()` — and giving up when `read.signal`
   * aborts or the gateway closes.
   */
  historyPolicy(read: ReadOptions = {}): FloodWaitPolicy {
    const threshold = this.#deps.floodWaitThreshold ?? DEFAULT_FLOOD_WAIT_THRESHOLD_SECONDS
    const max = Math.max(threshold, this.#deps.floodWaitMax ?? DEFAULT_FLOOD_WAIT_MAX_SECONDS)
    const started = read.started
    return {
      gate: this.#floodGate,
      maxWaitSeconds: started === undefined ? () => threshold : () => (started() ? max : threshold),
      maxRetries: FLOOD_WAIT_RETRIES,
      callTimeoutMs: this.#callTimeoutMs(),
      metrics: this.#deps.metrics,
      signal: read.signal === undefined ? this.#closing.signal : AbortSignal.any([read.signal, this.#closing.signal]),
    }
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

function channelSummary(channel: ChannelRef): ChannelSummary {
  const known = Number.isFinite(channel.topDate) && channel.topDate > 0
  return {
    id: channel.id,
    username: channel.username,
    title: channel.title,
    type: channel.broadcast ? 'channel' : 'supergroup',
    participantsCount: channel.participantsCount,
    lastMessageDate: known ? channel.topDate : null,
  }
}
