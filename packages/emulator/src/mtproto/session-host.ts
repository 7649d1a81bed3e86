import { unzipSync } from 'node:zlib'
import { FROM_CLIENT, TO_CLIENT } from '../crypto/message-key.ts'
import type { RandomSource } from '../crypto/random-source.ts'
import { DropConnectionSignal, RpcError } from '../rpc/rpc-error.ts'
import { apiSchema, LATEST_LAYER, mtpSchema } from '../tl/schemas.ts'
import { encodeObject, readObject, writeResult } from '../tl/tl-codec.ts'
import type { TlObject } from '../tl/tl-object.ts'
import { TlReader } from '../tl/tl-reader.ts'
import { TlWriter } from '../tl/tl-writer.ts'
import { TransportErrorCode } from '../transport/transport-error.ts'
import type { AuthKeyRecord, AuthKeyStore } from './auth-key-store.ts'
import type { ConnectionLink } from './connection-link.ts'
import { decryptMessage, encryptMessage } from './encrypted-message.ts'
import { peekInvokeLayer, unwrapQuery } from './invoke-wrappers.ts'
import { type MessageIdClock, type MessageIdKind, msgIdSeconds } from './message-id-clock.ts'
import { MtprotoError } from './mtproto-error.ts'
import { unpackContainer } from './msg-container.ts'
import type { RpcDispatcher } from './rpc-dispatcher.ts'
import type { FutureSalt, ServerSalts } from './server-salts.ts'
import { ServiceId } from './service-ids.ts'
import { Session } from './session.ts'

export interface SessionHostDeps {
  authKeys: AuthKeyStore
  dispatcher: RpcDispatcher
  salts: ServerSalts
  clock: MessageIdClock
  random: RandomSource
  /** Milliseconds since the epoch. */
  now: () => number
  log?: (line: string) => void
  /** Whether an answered call's result is to be sent once more as a stray (Faults.strayAnswer). */
  strayAnswer?: (method: string) => boolean
}

/**
 * bad_msg_notification error codes (core.telegram.org/mtproto/service_messages_about_messages).
 * The msg_id window is Telegram's: 300 s in the past, 30 s in the future.
 */
const BadMsg = { tooLow: 16, tooHigh: 17, lowBits: 18, badSalt: 48 } as const
const MSG_ID_PAST_SECONDS = 300
const MSG_ID_FUTURE_SECONDS = 30

/**
 * The encrypted half of the DC: decrypts and checks each client message, answers the service
 * messages (core.telegram.org/mtproto/service_messages), unwraps API queries, hands them to the
 * dispatcher in the auth key's layer and sends back rpc_result / rpc_error in that layer.
 */
export class SessionHost {
  private readonly sessions = new Map<string, Session>()

  private readonly deps: SessionHostDeps

  constructor(deps: SessionHostDeps) {
    this.deps = deps
  }

  /** One payload whose auth_key_id is not zero. */
  handle(link: ConnectionLink, payload: Buffer): void {
    if (payload.length < 8) throw new MtprotoError('payload shorter than an auth_key_id')
    const authKeyId = payload.readBigInt64LE(0)
    const record = this.deps.authKeys.get(authKeyId)
    if (!record) {
      link.fail(TransportErrorCode.AuthKeyNotFound)
      return
    }
    const decrypted = decryptMessage(record.key, payload, FROM_CLIENT)
    if (!decrypted.ok) {
      this.debug(`conn ${link.id}: message rejected (${decrypted.reason})`)
      link.fail(TransportErrorCode.AuthKeyNotFound)
      return
    }
    const { envelope } = decrypted
    const session = this.sessionFor(authKeyId, envelope.sessionId)
    session.link = link

    const badMsgCode = this.checkMsgId(envelope.msgId)
    if (badMsgCode !== undefined) {
      this.sendService(session, link, 'response', false, {
        _: 'bad_msg_notification',
        bad_msg_id: envelope.msgId,
        bad_msg_seqno: envelope.seqNo,
        error_code: badMsgCode,
      })
      return
    }
    if (!this.deps.salts.accepts(authKeyId, envelope.salt)) {
      // bad_server_salt#edab447b bad_msg_id:long bad_msg_seqno:int error_code:int new_server_salt:long
      this.sendService(session, link, 'response', false, {
        _: 'bad_server_salt',
        bad_msg_id: envelope.msgId,
        bad_msg_seqno: envelope.seqNo,
        error_code: BadMsg.badSalt,
        new_server_salt: this.deps.salts.current(authKeyId),
      })
      return
    }
    if (!session.announced) {
      session.announced = true
      // new_session_created#9ec20908 first_msg_id:long unique_id:long server_salt:long
      this.sendService(session, link, 'server', true, {
        _: 'new_session_created',
        first_msg_id: firstMsgId(envelope.msgId, envelope.body),
        unique_id: session.uniqueId,
        server_salt: this.deps.salts.current(authKeyId),
      })
    }
    this.receive(session, link, record, envelope.msgId, envelope.body)
  }

  /**
   * Sends `updates` to every session of the key that has an open connection and has made a query
   * outside invokeWithoutUpdates; returns how many got it.
   */
  pushUpdates(authKeyId: bigint, updates: TlObject): number {
    const record = this.deps.authKeys.get(authKeyId)
    if (!record) return 0
    const body = encodeObject(apiSchema(record.layer ?? LATEST_LAYER)!, updates)
    let delivered = 0
    for (const session of this.sessions.values()) {
      if (session.authKeyId !== authKeyId || !session.wantsUpdates || !session.link?.open) continue
      if (this.send(session, session.link, body, true, 'server')) delivered++
    }
    return delivered
  }

  /** Makes every current salt invalid; each key's next message gets bad_server_salt. */
  rotateSalts(): void {
    this.deps.salts.rotate()
  }

  connectionClosed(link: ConnectionLink): void {
    for (const session of this.sessions.values()) if (session.link === link) session.link = undefined
  }

  get sessionCount(): number {
    return this.sessions.size
  }

  private sessionFor(authKeyId: bigint, sessionId: bigint): Session {
    const k = `${authKeyId}:${sessionId}`
    let session = this.sessions.get(k)
    if (!session) {
      session = new Session(authKeyId, sessionId, this.deps.random(8).readBigInt64LE(0))
      this.sessions.set(k, session)
    }
    return session
  }

  private checkMsgId(msgId: bigint): number | undefined {
    if (msgId % 4n !== 0n) return BadMsg.lowBits
    const seconds = msgIdSeconds(msgId)
    const now = this.deps.now() / 1000
    if (seconds < now - MSG_ID_PAST_SECONDS) return BadMsg.tooLow
    if (seconds > now + MSG_ID_FUTURE_SECONDS) return BadMsg.tooHigh
    return undefined
  }

  /** One message (or container item) with a fresh msg_id. */
  private receive(session: Session, link: ConnectionLink, record: AuthKeyRecord, msgId: bigint, body: Buffer): void {
    if (!session.markReceived(msgId)) return
    this.receiveBody(session, link, record, msgId, body)
  }

  private receiveBody(session: Session, link: ConnectionLink, record: AuthKeyRecord, msgId: bigint, body: Buffer): void {
    if (body.length < 4) throw new MtprotoError('empty message body')
    const id = body.readUInt32LE(0)
    if (id === ServiceId.gzip_packed) {
      const packed = new TlReader(body, 4).bytes()
      this.receiveBody(session, link, record, msgId, unzipSync(packed))
      return
    }
    if (id === ServiceId.msg_container) {
      for (const item of unpackContainer(body)) this.receive(session, link, record, item.msgId, item.body)
      return
    }
    if (id === ServiceId.msgs_ack || id === ServiceId.http_wait) return
    const service = mtpSchema().byId(id)
    if (service) {
      this.serviceMessage(session, link, record, msgId, readObject(mtpSchema(), new TlReader(body)))
      return
    }
    this.rpc(session, link, record, msgId, body)
  }

  private serviceMessage(session: Session, link: ConnectionLink, record: AuthKeyRecord, msgId: bigint, msg: TlObject): void {
    switch (msg._) {
      // ping#7abe77ec ping_id:long = Pong;  pong#347773c5 msg_id:long ping_id:long = Pong;
      case 'ping':
        this.sendService(session, link, 'response', true, { _: 'pong', msg_id: msgId, ping_id: msg.ping_id })
        return
      // ping_delay_disconnect#f3427b8c ping_id:long disconnect_delay:int = Pong;
      case 'ping_delay_disconnect':
        link.disconnectAfter(msg.disconnect_delay as number)
        this.sendService(session, link, 'response', true, { _: 'pong', msg_id: msgId, ping_id: msg.ping_id })
        return
      // get_future_salts#b921bd04 num:int = FutureSalts;
      // future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts;
      case 'get_future_salts': {
        const salts = this.deps.salts.upcoming(session.authKeyId, msg.num as number)
        this.send(session, link, futureSalts(msgId, Math.floor(this.deps.now() / 1000), salts), true, 'response')
        return
      }
      // msgs_state_req#da69fb52 msg_ids:Vector<long> = MsgsStateInfo;
      // msgs_state_info#04deb57d req_msg_id:long info:string = MsgsStateInfo;
      case 'msgs_state_req': {
        const ids = msg.msg_ids as bigint[]
        this.sendService(session, link, 'response', false, {
          _: 'msgs_state_info',
          req_msg_id: msgId,
          info: Buffer.from(ids.map((id) => session.stateOf(id))),
        })
        return
      }
      // destroy_session#e7512126 session_id:long = DestroySessionRes;
      case 'destroy_session': {
        const target = msg.session_id as bigint
        const k = `${session.authKeyId}:${target}`
        const found = target !== session.sessionId && this.sessions.delete(k)
        this.sendService(session, link, 'response', true, {
          _: found ? 'destroy_session_ok' : 'destroy_session_none',
          session_id: target,
        })
        return
      }
      // rpc_drop_answer#58e4a740 req_msg_id:long = RpcDropAnswer; answered inside rpc_result
      case 'rpc_drop_answer': {
        const running = session.inFlight.has(msg.req_msg_id as bigint)
        const answer = encodeObject(mtpSchema(), { _: running ? 'rpc_answer_dropped_running' : 'rpc_answer_unknown' })
        this.send(session, link, rpcResult(msgId, answer), true, 'response')
        return
      }
      // destroy_auth_key#d1435160 = DestroyAuthKeyRes;
      case 'destroy_auth_key':
        this.sendService(session, link, 'response', true, { _: 'destroy_auth_key_ok' })
        this.deps.authKeys.delete(record.id)
        this.deps.salts.forget(record.id)
        for (const [k, s] of this.sessions) if (s.authKeyId === record.id) this.sessions.delete(k)
        return
      default:
        // msg_resend_req, msgs_state_info, msgs_all_info and the like need no answer here.
        this.debug(`conn ${link.id}: ignoring ${msg._}`)
    }
  }

  private rpc(session: Session, link: ConnectionLink, record: AuthKeyRecord, msgId: bigint, body: Buffer): void {
    let layer = record.layer ?? LATEST_LAYER
    const announced = peekInvokeLayer(body)
    if (announced !== undefined) {
      if (!apiSchema(announced)) {
        this.sendRpcError(session, link, msgId, 400, 'CONNECTION_LAYER_INVALID')
        return
      }
      layer = announced
      this.deps.authKeys.setLayer(record.id, layer)
    }
    const schema = apiSchema(layer)!
    let query: TlObject
    try {
      query = readObject(schema, new TlReader(body))
    } catch (err) {
      this.debug(`conn ${link.id}: undecodable query in layer ${layer}: ${(err as Error).message}`)
      this.sendRpcError(session, link, msgId, 400, 'INPUT_METHOD_INVALID')
      return
    }
    if (schema.byName(query._)?.kind !== 'method') {
      this.debug(`conn ${link.id}: ignoring non-method ${query._}`)
      return
    }
    const { method, afterMsgIds, withoutUpdates } = unwrapQuery(query)
    if (!withoutUpdates) session.wantsUpdates = true
    const call = { method, authKeyId: record.id, sessionId: session.sessionId, layer, connectionId: link.id, msgId }

    const run = (async () => {
      for (const id of afterMsgIds) await session.inFlight.get(id)
      let value: unknown
      try {
        value = await this.deps.dispatcher.dispatch(call)
      } catch (err) {
        if (err instanceof DropConnectionSignal) {
          session.forget(msgId)
          link.drop()
          return
        }
        if (err instanceof RpcError) {
          this.sendRpcError(session, link, msgId, err.code, err.text)
          return
        }
        this.debug(`conn ${link.id}: ${method._} failed: ${(err as Error)?.stack ?? String(err)}`)
        this.sendRpcError(session, link, msgId, 500, 'INTERNAL')
        return
      }
      const w = new TlWriter()
      w.uint(ServiceId.rpc_result).long(msgId)
      try {
        writeResult(schema, w, method._, value)
      } catch (err) {
        this.debug(`conn ${link.id}: ${method._} result does not encode in layer ${layer}: ${(err as Error).message}`)
        this.sendRpcError(session, link, msgId, 500, 'INTERNAL')
        return
      }
      this.send(session, link, w.finish(), true, 'response')
      if (this.deps.strayAnswer?.(method._)) {
        // Client msg_ids are divisible by 4 (core.telegram.org/mtproto/description#message-identifier-msg-id): this one was never sent.
        const stray = new TlWriter()
        stray.uint(ServiceId.rpc_result).long(msgId + 2n)
        writeResult(schema, stray, method._, value)
        this.send(session, link, stray.finish(), true, 'response')
      }
    })()
    session.inFlight.set(msgId, run)
    void run.finally(() => session.inFlight.delete(msgId))
  }

  // rpc_error#2144ca19 error_code:int error_message:string = RpcError;
  private sendRpcError(session: Session, link: ConnectionLink, reqMsgId: bigint, code: number, text: string): void {
    const error = encodeObject(mtpSchema(), { _: 'rpc_error', error_code: code, error_message: text })
    this.send(session, link, rpcResult(reqMsgId, error), true, 'response')
  }

  private sendService(session: Session, link: ConnectionLink, kind: MessageIdKind, contentRelated: boolean, obj: TlObject): void {
    this.send(session, link, encodeObject(mtpSchema(), obj), contentRelated, kind)
  }

  /** Encrypts one message for the session and writes it to `link`, or to the session's newer connection. */
  private send(session: Session, link: ConnectionLink, body: Buffer, contentRelated: boolean, kind: MessageIdKind): boolean {
    const target = link.open ? link : session.link?.open ? session.link : undefined
    const record = this.deps.authKeys.get(session.authKeyId)
    if (!target || !record) return false
    const payload = encryptMessage(
      record.key,
      record.id,
      {
        salt: this.deps.salts.current(record.id),
        sessionId: session.sessionId,
        msgId: this.deps.clock.next(kind),
        seqNo: session.nextSeqNo(contentRelated),
        body,
      },
      TO_CLIENT,
      this.deps.random,
    )
    target.send(payload)
    return true
  }

  private debug(line: string): void {
    this.deps.log?.(line)
  }
}

/**
 * future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts;
 * `vector` in lower case is the bare vector (a count, no 0x1cb5c415) of bare future_salt
 * (valid_since:int valid_until:int salt:long), so it is written by hand.
 */
function futureSalts(reqMsgId: bigint, now: number, salts: readonly FutureSalt[]): Buffer {
  const w = new TlWriter()
  w.uint(ServiceId.future_salts).long(reqMsgId).int(now).int(salts.length)
  for (const s of salts) w.int(s.validSince).int(s.validUntil).long(s.salt)
  return w.finish()
}

// rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;
function rpcResult(reqMsgId: bigint, result: Buffer): Buffer {
  const head = Buffer.alloc(12)
  head.writeUInt32LE(ServiceId.rpc_result, 0)
  head.writeBigInt64LE(reqMsgId, 4)
  return Buffer.concat([head, result])
}

/** The lowest msg_id a message carries: a container's items come before the container's own id. */
function firstMsgId(msgId: bigint, body: Buffer): bigint {
  if (body.length < 4 || body.readUInt32LE(0) !== ServiceId.msg_container) return msgId
  let first = msgId
  for (const item of unpackContainer(body)) if (item.msgId < first) first = item.msgId
  return first
}
