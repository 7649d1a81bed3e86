import { MtprotoError } from './mtproto-error.ts'
import { ServiceId } from './service-ids.ts'

/** One message inside a container: message msg_id:long seqno:int bytes:int body:Object = Message. */
export interface ContainedMessage {
  msgId: bigint
  seqNo: number
  body: Buffer
}

/** Reads msg_container#73f1f8dc messages:vector<message> (the vector is bare: a count, no id). */
export function unpackContainer(body: Buffer): ContainedMessage[] {
  if (body.length < 8 || body.readUInt32LE(0) !== ServiceId.msg_container) throw new MtprotoError('not a msg_container')
  const count = body.readUInt32LE(4)
  const messages: ContainedMessage[] = []
  let pos = 8
  for (let i = 0; i < count; i++) {
    if (pos + 16 > body.length) throw new MtprotoError('msg_container truncated')
    const msgId = body.readBigInt64LE(pos)
    const seqNo = body.readInt32LE(pos + 8)
    const length = body.readUInt32LE(pos + 12)
    pos += 16
    if (length % 4 !== 0 || pos + length > body.length) throw new MtprotoError('msg_container item length invalid')
    messages.push({ msgId, seqNo, body: body.subarray(pos, pos + length) })
    pos += length
  }
  return messages
}

export function packContainer(messages: readonly ContainedMessage[]): Buffer {
  const parts: Buffer[] = []
  const head = Buffer.alloc(8)
  head.writeUInt32LE(ServiceId.msg_container, 0)
  head.writeUInt32LE(messages.length, 4)
  parts.push(head)
  for (const m of messages) {
    const itemHead = Buffer.alloc(16)
    itemHead.writeBigInt64LE(m.msgId, 0)
    itemHead.writeInt32LE(m.seqNo, 8)
    itemHead.writeUInt32LE(m.body.length, 12)
    parts.push(itemHead, m.body)
  }
  return Buffer.concat(parts)
}
