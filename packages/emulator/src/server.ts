import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { secureRandom, type RandomSource } from './crypto/random-source.ts'
import type { RsaServerKey } from './crypto/rsa-server-key.ts'
import type { AuthKeyStore } from './mtproto/auth-key-store.ts'
import type { ConnectionLink } from './mtproto/connection-link.ts'
import { KeyExchange } from './mtproto/key-exchange.ts'
import { MessageIdClock } from './mtproto/message-id-clock.ts'
import { decodePlainMessage, encodePlainMessage } from './mtproto/plain-message.ts'
import type { RpcDispatcher } from './mtproto/rpc-dispatcher.ts'
import { ServerSalts } from './mtproto/server-salts.ts'
import { SessionHost } from './mtproto/session-host.ts'
import { mtpSchema } from './tl/schemas.ts'
import { encodeObject, readObject } from './tl/tl-codec.ts'
import type { TlObject } from './tl/tl-object.ts'
import { TlReader } from './tl/tl-reader.ts'
import { createFrameCodec } from './transport/create-frame-codec.ts'
import { detectTransport } from './transport/detect-transport.ts'
import type { FrameCodec, TransportKind } from './transport/frame-codec.ts'
import { TransportErrorCode, transportErrorPayload } from './transport/transport-error.ts'

export type { RpcCall, RpcDispatcher } from './mtproto/rpc-dispatcher.ts'

export interface EmulatorServerOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  rsaKey: RsaServerKey
  authKeys: AuthKeyStore
  dispatcher: RpcDispatcher
  dcId: number
  /** Debug lines (never secrets). Silent when absent. */
  log?: (line: string) => void
  /** Whether an answered call's result is to be sent once more as a stray (Faults.strayAnswer). */
  strayAnswer?: (method: string) => boolean
  random?: RandomSource
  /** Milliseconds since the epoch; drives msg_ids, salts and server_time. */
  now?: () => number
}

/**
 * One Telegram DC over TCP: the only networking code of the emulator. Each connection names its
 * transport in its first bytes; each payload is routed by auth_key_id — 0 to the key exchange,
 * a known key to the encrypted session layer, anything else gets transport error -404.
 */
export class EmulatorServer {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly host: SessionHost
  private readonly salts: ServerSalts
  private readonly clock: MessageIdClock
  private readonly random: RandomSource
  private readonly now: () => number
  private nextConnectionId = 1
  private accepted = 0

  private readonly options: EmulatorServerOptions

  constructor(options: EmulatorServerOptions) {
    this.options = options
    this.random = options.random ?? secureRandom
    this.now = options.now ?? Date.now
    this.clock = new MessageIdClock(this.now)
    this.salts = new ServerSalts(this.random, () => Math.floor(this.now() / 1000))
    this.host = new SessionHost({
      authKeys: options.authKeys,
      dispatcher: options.dispatcher,
      salts: this.salts,
      clock: this.clock,
      random: this.random,
      now: this.now,
      ...(options.log ? { log: options.log } : {}),
      ...(options.strayAnswer ? { strayAnswer: options.strayAnswer } : {}),
    })
    this.server = createServer((socket) => this.accept(socket))
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1'
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject)
        resolve({ host, port: (this.server.address() as AddressInfo).port })
      })
    })
  }

  /** Stops listening and destroys every open connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve()
      this.server.close(() => resolve())
    })
  }

  /** Destroys every open connection; the server goes on listening. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  get connections(): number {
    return this.sockets.size
  }

  /** Connections accepted since start. */
  get connectionsAccepted(): number {
    return this.accepted
  }

  /** Invalidates every session's salt: the next client message gets bad_server_salt. */
  rotateSalts(): void {
    this.host.rotateSalts()
  }

  /** Pushes an Updates object to every connected session of an auth key; returns how many got it. */
  pushUpdates(authKeyId: bigint, updates: TlObject): number {
    return this.host.pushUpdates(authKeyId, updates)
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true)
    this.sockets.add(socket)
    this.accepted++
    const connection = new Connection(this.nextConnectionId++, socket, this.random)
    const log = (line: string) => this.options.log?.(`conn ${connection.id}: ${line}`)
    let keyExchange: KeyExchange | undefined

    const onPayload = (payload: Buffer) => {
      if (payload.length < 8) throw new Error('payload shorter than an auth_key_id')
      if (payload.readBigInt64LE(0) !== 0n) {
        this.host.handle(connection, payload)
        return
      }
      const plain = decodePlainMessage(payload)
      const request = readObject(mtpSchema(), new TlReader(plain.body))
      keyExchange ??= new KeyExchange({
        rsaKey: this.options.rsaKey,
        random: this.random,
        now: () => Math.floor(this.now() / 1000),
        isKeyIdTaken: (id) => this.options.authKeys.has(id),
      })
      const step = keyExchange.handle(request)
      if (step.created) {
        const record = this.options.authKeys.add(step.created.key, Math.floor(this.now() / 1000))
        this.salts.seed(record.id, step.created.firstSalt)
        log(`auth key created${step.created.tempExpiresIn ? ' (temporary)' : ''}`)
        // p_q_inner_data_dc names the DC the client meant (negative: media, +10000: test servers).
        const dc = step.created.dc
        if (dc !== undefined && Math.abs(dc) % 10000 !== this.options.dcId) log(`client asked for dc ${dc}, this is dc ${this.options.dcId}`)
      }
      connection.send(encodePlainMessage(this.clock.next('response'), encodeObject(mtpSchema(), step.reply)))
    }

    socket.on('data', (chunk) => {
      let payloads: Buffer[]
      const detected = connection.transport !== undefined
      try {
        payloads = connection.receive(chunk)
        if (!detected && connection.transport) log(`transport ${connection.transport}`)
      } catch (err) {
        log(`framing: ${(err as Error).message}`)
        socket.destroy()
        return
      }
      for (const payload of payloads) {
        if (!connection.open) return
        try {
          onPayload(payload)
        } catch (err) {
          log(`closing: ${(err as Error).message}`)
          connection.fail(TransportErrorCode.AuthKeyNotFound)
          return
        }
      }
    })
    socket.on('error', (err) => log(`socket: ${err.message}`))
    socket.on('close', () => {
      this.sockets.delete(socket)
      connection.closed()
      this.host.connectionClosed(connection)
    })
  }
}

/** A socket with its transport framing: the ConnectionLink the session layer writes to. */
class Connection implements ConnectionLink {
  private codec: FrameCodec | undefined
  private head = Buffer.alloc(0)
  private disconnectTimer: NodeJS.Timeout | undefined
  private isClosed = false

  readonly id: number
  private readonly socket: Socket
  private readonly random: RandomSource

  constructor(
    id: number,
    socket: Socket,
    random: RandomSource,
  ) {
    this.id = id
    this.socket = socket
    this.random = random
  }

  get transport(): TransportKind | undefined {
    return this.codec?.kind
  }

  get open(): boolean {
    return !this.isClosed && !this.socket.destroyed && this.codec !== undefined
  }

  /** Bytes from the socket → whole payloads. The first bytes pick the transport. */
  receive(chunk: Buffer): Buffer[] {
    if (!this.codec) {
      this.head = Buffer.concat([this.head, chunk])
      const detection = detectTransport(this.head)
      if (detection.status === 'need-more') return []
      if (detection.status === 'unsupported') throw new Error(detection.reason)
      this.codec = createFrameCodec(detection.kind, this.random)
      chunk = this.head.subarray(detection.headerLength)
      this.head = Buffer.alloc(0)
    }
    return this.codec.push(chunk)
  }

  send(payload: Buffer): void {
    if (!this.open) return
    this.socket.write(this.codec!.encode(payload))
  }

  fail(code: number): void {
    if (this.open) {
      this.socket.end(this.codec!.encode(transportErrorPayload(code)))
      // The client closes on a transport error; one that does not is cut off shortly after.
      setTimeout(() => this.socket.destroy(), 1000).unref()
    } else {
      this.socket.destroy()
    }
    this.closed()
  }

  drop(): void {
    this.socket.destroy()
    this.closed()
  }

  disconnectAfter(seconds: number): void {
    clearTimeout(this.disconnectTimer)
    this.disconnectTimer = undefined
    if (seconds > 0 && !this.isClosed) {
      this.disconnectTimer = setTimeout(() => this.drop(), seconds * 1000)
      this.disconnectTimer.unref()
    }
  }

  closed(): void {
    this.isClosed = true
    clearTimeout(this.disconnectTimer)
  }
}
