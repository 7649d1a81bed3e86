/**
 * The NATS JetStream sink (docs/spec.md §8). At open it connects, creates the stream when it is
 * missing (subjects `<prefix>.>`) and reads the stream's last message on those subjects: its
 * `Connector-Cursor` header is where delivery resumes, so the stream is the only place the
 * cursor lives. Each event is then published with a `Nats-Msg-Id` (nats-message.ts) and counts
 * as delivered only once JetStream's ack arrives; a re-send of an event whose ack was lost is
 * dropped by the stream's duplicate window. Until the stream holds one of its messages, delivery
 * resumes from where the sink began, recorded beside the session (`<session>.nats-start`), so a
 * broker away since the very first start loses nothing either.
 *
 * The client reconnects by itself, for ever; while it is away publishes fail (a timeout) and
 * the loop retries them, and `reachable()` says so for /health.
 */
import type * as NatsTransport from '@nats-io/transport-node'
import type * as NatsJetStream from '@nats-io/jetstream'
import type { NodeConnectionOptions, NatsConnection } from '@nats-io/transport-node'
import type { JetStreamManager } from '@nats-io/jetstream'
import type { NatsConfig } from '../../config/config.ts'
import type { BlobStore } from '../../sessions/blob-store.ts'
import { decodeSinkCursor, encodeSinkCursor } from './sink-cursor.ts'
import type { LiveEvent } from '../live-feed.ts'
import { CURSOR_HEADER, EVENT_HEADER, natsMessageId, natsSubject } from './nats-message.ts'
import type { DeliveryResult, Sink, SinkLog } from './sink.ts'

export interface NatsSinkOptions {
  config: NatsConfig
  log: SinkLog
  /** The session store (the lease-fenced one), where the start is recorded; absent: none is kept. */
  store?: BlobStore | undefined
  /** SESSION_ENCRYPTION_KEY: the start record is stored as the session is. */
  storeKey?: Buffer | null | undefined
  /** How long a publish waits for its ack (default 10 s). */
  publishTimeoutMs?: number | undefined
  /** How long one connection attempt may take (default 10 s). */
  connectTimeoutMs?: number | undefined
  /** The client's pause between reconnection attempts (default 2 s). */
  reconnectWaitMs?: number | undefined
  /** The duplicate window of a stream this sink creates (default 2 minutes, JetStream's own). */
  duplicateWindowMs?: number | undefined
}

/** The store object beside the session that records where the NATS sink began. */
export const NATS_START_OBJECT = '.nats-start'
/** JetStream's API error for a stream that does not exist. */
const STREAM_NOT_FOUND = 10059

/** The client (the v3 modular one: the Node transport and JetStream), loaded at the first connection: a service without NATS_URL never loads it. */
interface NatsModules {
  transport: typeof NatsTransport
  jetstream: typeof NatsJetStream
}
let natsClient: Promise<NatsModules> | undefined
const loadNats = (): Promise<NatsModules> =>
  (natsClient ??= Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]).then(([transport, jetstream]) => ({ transport, jetstream })))

/**
 * A short, stable reason for /health and the log. The v3 client names its errors by class
 * (TimeoutError, JetStreamNotEnabled, …); a socket error underneath keeps its errno code.
 */
export function natsErrorCode(err: unknown): string {
  const error = err as Error & { code?: unknown, cause?: unknown, isNoResponders?: () => boolean }
  const errno = (error.cause as { code?: unknown } | undefined)?.code
  switch (error.name) {
    case 'TimeoutError': return 'TIMEOUT'
    // A publish nobody answered: no stream takes the subject (or JetStream is off).
    case 'JetStreamNotEnabled': return 'NO_STREAM'
    case 'RequestError': return error.isNoResponders?.() === true ? 'NO_RESPONDERS' : 'REQUEST_FAILED'
    case 'InvalidArgumentError': return /max_payload/.test(error.message) ? 'MAX_PAYLOAD_EXCEEDED' : 'INVALID_ARGUMENT'
    case 'JetStreamApiError':
    case 'StreamNotFoundError': return `JETSTREAM_${String(error.code)}`
    default:
      if (typeof errno === 'string') return errno
      if (typeof error.code === 'string' && error.code !== '') return error.code
      return error.name ?? 'error'
  }
}

export class NatsSink implements Sink {
  readonly name = 'nats' as const
  readonly #options: NatsSinkOptions
  readonly #config: NatsConfig
  #connection: NatsConnection | null = null
  #manager: JetStreamManager | null = null
  #streamReady = false
  #reachable = false
  #closed = false

  constructor(options: NatsSinkOptions) {
    this.#options = options
    this.#config = options.config
  }

  async open(): Promise<string | null> {
    const manager = await this.#ready()
    // Null: nothing on the subjects yet.
    const last = await manager.streams.getMessage(this.#config.stream, { last_by_subj: `${this.#config.subjectPrefix}.>` })
    if (last === null) return null
    const cursor = last.header.get(CURSOR_HEADER)
    if (cursor !== '') return cursor
    this.#options.log.warn({ sink: this.name, seq: last.seq }, `the stream's last message has no ${CURSOR_HEADER} header; delivery starts with new events`)
    return null
  }

  /** The start recorded beside the session: where delivery resumes until the stream holds one of its messages. */
  async started(): Promise<string | null> {
    const store = this.#options.store
    const stored = store === undefined ? null : await store.read(NATS_START_OBJECT)
    return stored === null ? null : decodeSinkCursor(this.#options.storeKey ?? null, stored, `${store!.describe()}${NATS_START_OBJECT}`)
  }

  async begin(cursor: string): Promise<void> {
    await this.#options.store?.write(NATS_START_OBJECT, encodeSinkCursor(this.#options.storeKey ?? null, cursor))
  }

  async deliver(event: LiveEvent, signal: AbortSignal): Promise<DeliveryResult> {
    let connection: NatsConnection
    try {
      await this.#ready()
      connection = this.#connection!
    } catch (err) {
      return { kind: 'retry', reason: natsErrorCode(err) }
    }
    const { transport, jetstream } = await loadNats()
    const messageHeaders = transport.headers()
    messageHeaders.set(CURSOR_HEADER, event.id)
    messageHeaders.set(EVENT_HEADER, event.event)
    // A stop does not wait for the ack: the publish may still land, and the next start then
    // finds it as the stream's last message.
    let onAbort: () => void = () => {}
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(Object.assign(new Error('stopped'), { code: 'stopped' }))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    stopped.catch(() => {})
    try {
      if (signal.aborted) onAbort()
      await Promise.race([stopped, jetstream.jetstream(connection).publish(natsSubject(this.#config.subjectPrefix, event), new TextEncoder().encode(event.json), {
        msgID: natsMessageId(event),
        headers: messageHeaders,
        expect: { streamName: this.#config.stream },
        timeout: this.#options.publishTimeoutMs ?? 10_000,
      })])
      return { kind: 'delivered' }
    } catch (err) {
      const code = natsErrorCode(err)
      // The server will never take a message over its max_payload: retrying cannot help.
      if (code === 'MAX_PAYLOAD_EXCEEDED') return { kind: 'refused', reason: code }
      // No stream answered: it may have been deleted; look for it (and create it) again.
      if (code === 'NO_STREAM' || code === 'NO_RESPONDERS') this.#streamReady = false
      return { kind: 'retry', reason: code }
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  async commit(): Promise<void> {
    // The stream holds the cursor: its last message's header.
  }

  reachable(): boolean {
    return this.#reachable
  }

  async close(): Promise<void> {
    this.#closed = true
    const connection = this.#connection
    this.#connection = null
    this.#manager = null
    this.#reachable = false
    if (connection !== null && !connection.isClosed()) await connection.close()
  }

  /** Connected, with the stream in place. */
  async #ready(): Promise<JetStreamManager> {
    if (this.#connection === null || this.#connection.isClosed()) {
      this.#streamReady = false
      this.#manager = null
      if (this.#closed) throw new Error('the NATS sink is closed')
      const nats = await loadNats()
      const connection = await nats.transport.connect(this.#connectionOptions(nats.transport))
      // Closed while connecting: the new connection must not outlive the sink.
      if (this.#closed) {
        await connection.close()
        throw new Error('the NATS sink is closed')
      }
      this.#connection = connection
      this.#reachable = true
      void this.#watch(connection)
    }
    const nats = await loadNats()
    this.#manager ??= await nats.jetstream.jetstreamManager(this.#connection)
    if (!this.#streamReady) {
      await this.#ensureStream(this.#manager, nats)
      this.#streamReady = true
    }
    return this.#manager
  }

  async #ensureStream(manager: JetStreamManager, { transport: { nanos }, jetstream: { StorageType } }: NatsModules): Promise<void> {
    const { stream, subjectPrefix } = this.#config
    const subjects = `${subjectPrefix}.>`
    try {
      const info = await manager.streams.info(stream)
      if (!info.config.subjects?.includes(subjects)) {
        this.#options.log.warn({ sink: this.name, stream, subjects: info.config.subjects }, `the stream exists without the subjects ${subjects}: publishes will fail until it takes them`)
      }
      return
    } catch (err) {
      if ((err as { code?: unknown }).code !== STREAM_NOT_FOUND) throw err
    }
    await manager.streams.add({
      name: stream,
      subjects: [subjects],
      storage: StorageType.File,
      duplicate_window: nanos(this.#options.duplicateWindowMs ?? 120_000),
    })
    this.#options.log.info({ sink: this.name, stream, subjects }, 'created the JetStream stream')
  }

  async #watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.#reachable = false
        this.#options.log.warn({ sink: this.name }, 'lost the connection to NATS; reconnecting')
      } else if (status.type === 'reconnect') {
        this.#reachable = true
        this.#options.log.info({ sink: this.name }, 'reconnected to NATS')
      }
    }
    if (this.#connection === connection) this.#reachable = false
  }

  #connectionOptions({ credsAuthenticator }: typeof NatsTransport): NodeConnectionOptions {
    const { servers, creds, user, password, token } = this.#config
    return {
      servers: [...servers],
      name: 'telegram-connector',
      maxReconnectAttempts: -1,
      reconnectTimeWait: this.#options.reconnectWaitMs ?? 2_000,
      timeout: this.#options.connectTimeoutMs ?? 10_000,
      ...(creds === null ? {} : { authenticator: credsAuthenticator(new TextEncoder().encode(creds)) }),
      ...(user === null ? {} : { user }),
      ...(password === null ? {} : { pass: password }),
      ...(token === null ? {} : { token }),
    }
  }
}
