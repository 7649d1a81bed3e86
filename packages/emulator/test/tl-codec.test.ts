import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { TlBinaryReader, TlBinaryWriter, __tlReaderMap, __tlWriterMap } from '@mtcute/core/utils.js'
import { Long } from '@mtcute/core'
import { TlReader } from '../src/tl/tl-reader.ts'
import { TlWriter } from '../src/tl/tl-writer.ts'
import { decodeObject, encodeObject, writeResult } from '../src/tl/tl-codec.ts'
import { apiSchema, mtpSchema, LATEST_LAYER } from '../src/tl/schemas.ts'
import type { TlObject } from '../src/tl/tl-object.ts'

const require = createRequire(import.meta.url)

test('bytes are length-prefixed and padded to four bytes, long form from 254 bytes', () => {
  assert.equal(new TlWriter().bytes(Buffer.from('abc')).finish().toString('hex'), '03616263')
  assert.equal(new TlWriter().bytes(Buffer.from('abcd')).finish().toString('hex'), '0461626364000000')
  const long = new TlWriter().bytes(Buffer.alloc(300, 1)).finish()
  assert.equal(long.subarray(0, 4).toString('hex'), 'fe2c0100')
  assert.equal(long.length, 4 + 300)
  assert.deepEqual(new TlReader(long).bytes(), Buffer.alloc(300, 1))
})

test('longs keep all 64 bits, negative ones included', () => {
  const w = new TlWriter().long(-9123372036854775807n).long(2n ** 63n - 1n)
  const r = new TlReader(w.finish())
  assert.equal(r.long(), -9123372036854775807n)
  assert.equal(r.long(), 2n ** 63n - 1n)
})

const message: TlObject = {
  _: 'message',
  post: true,
  id: 42,
  peer_id: { _: 'peerChannel', channel_id: 1234567890 },
  from_id: { _: 'peerUser', user_id: 777 },
  date: 1751373296,
  message: 'hello',
  entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }],
  views: 10,
  forwards: 2,
  replies: { _: 'messageReplies', replies: 3, replies_pts: 5 },
  post_author: 'Ann',
  grouped_id: -9123372036854775807n,
}

test('a message written in layer 227 reads back identically through mtcute', () => {
  const bytes = encodeObject(apiSchema(LATEST_LAYER)!, message)
  const read = TlBinaryReader.deserializeObject<Record<string, any>>(__tlReaderMap, bytes)
  assert.equal(read._, 'message')
  assert.equal(read.id, 42)
  assert.equal(read.post, true)
  assert.equal(read.out, false)
  assert.deepEqual(read.peerId, { _: 'peerChannel', channelId: 1234567890 })
  assert.equal(read.message, 'hello')
  assert.equal(read.views, 10)
  assert.equal(read.forwards, 2)
  assert.equal(read.postAuthor, 'Ann')
  assert.equal(read.groupedId.toString(), '-9123372036854775807')
  assert.equal(read.entities[0]._, 'messageEntityBold')
  assert.equal(read.replies.repliesPts, 5)
  assert.equal(read.fwdFrom, undefined)
})

test('an object written by mtcute decodes field by field', () => {
  const bytes = TlBinaryWriter.serializeObject(__tlWriterMap, {
    _: 'message',
    id: 7,
    peerId: { _: 'peerChannel', channelId: 99 },
    date: 100,
    message: 'x',
    groupedId: Long.fromString('-9123372036854775807'),
    editHide: true,
  } as never)
  const obj = decodeObject(apiSchema(LATEST_LAYER)!, Buffer.from(bytes))
  assert.equal(obj._, 'message')
  assert.equal(obj.id, 7)
  assert.equal(obj.edit_hide, true)
  assert.equal(obj.pinned, false)
  assert.deepEqual(obj.peer_id, { _: 'peerChannel', channel_id: 99 })
  assert.equal(obj.grouped_id, -9123372036854775807n)
  assert.equal('views' in obj, false)
})

test('the same message is written in layer 198 and read back by gramjs', () => {
  const bytes = encodeObject(apiSchema(198)!, message)
  const { BinaryReader } = require('telegram/extensions/index.js')
  const read = new BinaryReader(bytes).tgReadObject()
  assert.equal(read.className, 'Message')
  assert.equal(read.id, 42)
  assert.equal(read.message, 'hello')
  assert.equal(read.peerId.channelId.toString(), '1234567890')
  assert.equal(read.groupedId.toString(), '-9123372036854775807')
  assert.equal(read.postAuthor, 'Ann')
})

test('a required object the handler left out is filled with the type\'s empty constructor', () => {
  const bytes = encodeObject(apiSchema(LATEST_LAYER)!, { _: 'channel', id: 5, title: 't', date: 1 })
  const read = TlBinaryReader.deserializeObject<Record<string, any>>(__tlReaderMap, bytes)
  assert.equal(read.photo._, 'chatPhotoEmpty')
})

test('method results are written by their declared type', () => {
  const schema = apiSchema(LATEST_LAYER)!
  const vec = new TlWriter()
  writeResult(schema, vec, 'users.getUsers', [{ _: 'userEmpty', id: 1 }])
  const r = new TlReader(vec.finish())
  assert.equal(r.uint(), 0x1cb5c415)
  assert.equal(r.uint(), 1)
  const bool = new TlWriter()
  writeResult(schema, bool, 'account.updateStatus', true)
  assert.equal(bool.finish().toString('hex'), 'b5757299')
})

test('service messages decode with the MTProto schema without the mt_ prefix', () => {
  const ping = new TlWriter().uint(0x7abe77ec).long(5n).finish()
  assert.deepEqual(decodeObject(mtpSchema(), ping), { _: 'ping', ping_id: 5n })
  assert.equal(apiSchema(LATEST_LAYER)!.byId(0x7abe77ec)?.name, 'ping')
  assert.equal(apiSchema(99), undefined)
})

test('a bare vector (future_salts.salts) is written as a count and bare elements, and reads back', () => {
  const obj = { _: 'future_salts', req_msg_id: 1n, now: 2, salts: [{ _: 'future_salt', valid_since: 3, valid_until: 4, salt: 5n }] }
  const bytes = encodeObject(mtpSchema(), obj)
  // id, req_msg_id, now, count, then valid_since/valid_until/salt without the future_salt id
  assert.equal(bytes.length, 4 + 8 + 4 + 4 + 4 + 4 + 8)
  assert.deepEqual(decodeObject(mtpSchema(), bytes), obj)
})
