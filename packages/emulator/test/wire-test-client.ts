import { connect, type Socket } from 'node:net'
import { FROM_CLIENT, TO_CLIENT } from '../src/crypto/message-key.ts'
import { seededRandom, type RandomSource } from '../src/crypto/random-source.ts'
import { authKeyIdOf } from '../src/crypto/auth-key-id.ts'
import { decryptMessage, encryptMessage, type MessageEnvelope } from '../src/mtproto/encrypted-message.ts'
import { MessageIdClock } from '../src/mtproto/message-id-clock.ts'
import { createFrameCodec } from '../src/transport/create-frame-codec.ts'
import type { FrameCodec, TransportKind } from '../src/transport/frame-codec.ts'

const MARKERS: Record<TransportKind, Buffer> = {
  abridged: Buffer.from([0xef]),
  intermediate: Buffer.from('eeeeeeee', 'hex'),
  'padded-intermediate': Buffer.from('dddddddd', 'hex'),
  full: Buffer.alloc(0),
}

/**
 * A minimal MTProto client for tests: any transport, an existing auth key, encrypted messages in
 * and out. The server's framings are symmetric, so the emulator's own codecs frame both ways.
 */
export class WireTestClient {
  salt = 0n
  readonly sessionId: bigint
  private readonly codec: FrameCodec
  private readonly clock = new MessageIdClock(Date.now)
  private readonly queue: Buffer[] = []
  private waiters: ((frame: Buffer | undefined) => void)[] = []
  private ended = false
  private seq = 0
  readonly closed: Promise<void>

  private readonly socket: Socket
  private readonly authKey: Buffer | undefined
  private readonly random: RandomSource

  private constructor(
    socket: Socket,
    kind: TransportKind,
    authKey: Buffer | undefined,
    random: RandomSource,
  ) {
    this.socket = socket
    this.authKey = authKey
    this.random = random
    this.codec = createFrameCodec(kind, random)
    this.sessionId = random(8).readBigInt64LE(0)
    socket.on('data', (chunk) => {
      for (const frame of this.codec.push(chunk)) this.deliver(frame)
    })
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true
        for (const w of this.waiters.splice(0)) w(undefined)
        resolve()
      })
    })
    socket.on('error', () => {})
    socket.write(MARKERS[kind])
  }

  static connect(port: number, kind: TransportKind, authKey?: Buffer, seed = 'wire-client'): Promise<WireTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new WireTestClient(socket, kind, authKey, seededRandom(seed))))
      socket.once('error', reject)
    })
  }

  /** Writes a raw payload (already an MTProto message). */
  sendRaw(payload: Buffer): void {
    this.socket.write(this.codec.encode(payload))
  }

  /** Encrypts and sends one message; returns its msg_id. */
  send(body: Buffer, contentRelated = true): bigint {
    const msgId = this.clock.next('client')
    const seqNo = contentRelated ? this.seq++ * 2 + 1 : this.seq * 2
    const key = this.authKey!
    this.sendRaw(encryptMessage(key, authKeyIdOf(key), { salt: this.salt, sessionId: this.sessionId, msgId, seqNo, body }, FROM_CLIENT, this.random))
    return msgId
  }

  /** The next frame's payload, or undefined once the server closed the connection. */
  nextFrame(): Promise<Buffer | undefined> {
    const frame = this.queue.shift()
    if (frame) return Promise.resolve(frame)
    if (this.ended) return Promise.resolve(undefined)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** The next message from the server, decrypted and verified. */
  async next(): Promise<MessageEnvelope> {
    const frame = await this.nextFrame()
    if (!frame) throw new Error('connection closed')
    const result = decryptMessage(this.authKey!, frame, TO_CLIENT)
    if (!result.ok) throw new Error(`server message rejected: ${result.reason}`)
    return result.envelope
  }

  close(): void {
    this.socket.destroy()
  }

  private deliver(frame: Buffer): void {
    const waiter = this.waiters.shift()
    if (waiter) waiter(frame)
    else this.queue.push(frame)
  }
}
