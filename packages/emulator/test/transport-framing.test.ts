import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AbridgedCodec } from '../src/transport/abridged-codec.ts'
import { detectTransport } from '../src/transport/detect-transport.ts'
import { FramingError } from '../src/transport/framing-error.ts'
import { FullCodec } from '../src/transport/full-codec.ts'
import { IntermediateCodec } from '../src/transport/intermediate-codec.ts'
import { readTransportError, transportErrorPayload } from '../src/transport/transport-error.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** Bitwise CRC-32 (IEEE 802.3, reflected 0xEDB88320): an oracle independent of zlib. */
function crc32Reference(data: Buffer): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

/** Feeds the bytes one at a time, the worst split a socket can produce. */
function pushBytewise(codec: { push(b: Buffer): Buffer[] }, bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length; i++) out.push(...codec.push(bytes.subarray(i, i + 1)))
  return out
}

describe('detectTransport', () => {
  test('recognises the abridged marker from one byte', () => {
    assert.deepEqual(detectTransport(hex('ef')), { status: 'detected', kind: 'abridged', headerLength: 1 })
  })
  test('recognises intermediate and padded intermediate markers', () => {
    assert.deepEqual(detectTransport(hex('eeeeeeee 0c000000')), { status: 'detected', kind: 'intermediate', headerLength: 4 })
    assert.deepEqual(detectTransport(hex('dddddddd')), { status: 'detected', kind: 'padded-intermediate', headerLength: 4 })
  })
  test('recognises the full transport by a zero seq in bytes 4..8', () => {
    assert.deepEqual(detectTransport(hex('34000000 00000000')), { status: 'detected', kind: 'full', headerLength: 0 })
  })
  test('asks for more bytes until it can decide', () => {
    assert.deepEqual(detectTransport(Buffer.alloc(0)), { status: 'need-more' })
    assert.deepEqual(detectTransport(hex('eeee')), { status: 'need-more' })
    assert.deepEqual(detectTransport(hex('34000000 0000')), { status: 'need-more' })
  })
  test('rejects an obfuscated header', () => {
    assert.equal(detectTransport(hex('1122334455667788')).status, 'unsupported')
  })
})

describe('AbridgedCodec', () => {
  test('frames a short payload with its length in words in one byte', () => {
    assert.deepEqual(new AbridgedCodec().encode(hex('0102030405060708')), hex('02 0102030405060708'))
  })
  test('frames a payload of 0x7f words or more with 0x7f and a 3-byte length', () => {
    const payload = Buffer.alloc(0x7f * 4, 0xaa)
    const framed = new AbridgedCodec().encode(payload)
    assert.deepEqual(framed.subarray(0, 4), hex('7f7f0000'))
    assert.equal(framed.length, 4 + 508)
  })
  test('decodes split frames and ignores the quick-ack bit', () => {
    const big = Buffer.alloc(1024, 7)
    const stream = Buffer.concat([hex('82 0102030405060708'), hex('7f000100'), big, hex('01 deadbeef')])
    const frames = pushBytewise(new AbridgedCodec(), stream)
    assert.deepEqual(frames, [hex('0102030405060708'), big, hex('deadbeef')])
  })
  test('rejects a zero-length frame', () => {
    assert.throws(() => new AbridgedCodec().push(hex('00')), FramingError)
  })
})

describe('IntermediateCodec', () => {
  test('frames a payload with its little-endian uint32 length', () => {
    assert.deepEqual(new IntermediateCodec().encode(hex('0102030405060708')), hex('08000000 0102030405060708'))
  })
  test('decodes several frames from one chunk and keeps a partial one', () => {
    const codec = new IntermediateCodec()
    const frames = codec.push(hex('04000000 aabbccdd 08000000 0102030405060708 08000000 0102'))
    assert.deepEqual(frames, [hex('aabbccdd'), hex('0102030405060708')])
    assert.deepEqual(codec.push(hex('030405060708')), [hex('0102030405060708')])
  })
  test('masks the quick-ack bit of the client length', () => {
    assert.deepEqual(new IntermediateCodec().push(hex('04000080 aabbccdd')), [hex('aabbccdd')])
  })
  test('pads payloads by 0-15 bytes in the padded variant and counts them in the length', () => {
    const padding = (n: number) => Buffer.alloc(n, 0x0b) // first call picks 0x0b % 16 = 11 bytes
    const framed = new IntermediateCodec(padding).encode(hex('01020304'))
    assert.deepEqual(framed, Buffer.concat([hex('0f000000 01020304'), Buffer.alloc(11, 0x0b)]))
  })
})

describe('FullCodec', () => {
  test('zlib crc32 agrees with the reference on the standard check value', () => {
    assert.equal(crc32Reference(Buffer.from('123456789')), 0xcbf43926)
  })
  test('frames length | seq | payload | crc32 and counts seq from 0', () => {
    const codec = new FullCodec()
    const first = codec.encode(hex('aabbccdd'))
    assert.deepEqual(first.subarray(0, 12), hex('10000000 00000000 aabbccdd'))
    assert.equal(first.readUInt32LE(12), crc32Reference(first.subarray(0, 12)))
    const second = codec.encode(hex('aabbccdd'))
    assert.equal(second.readUInt32LE(4), 1)
  })
  test('decodes frames byte by byte and checks seq and crc', () => {
    const client = new FullCodec()
    const stream = Buffer.concat([client.encode(hex('01020304')), client.encode(hex('05060708090a0b0c'))])
    assert.deepEqual(pushBytewise(new FullCodec(), stream), [hex('01020304'), hex('05060708090a0b0c')])
  })
  test('rejects a corrupted checksum', () => {
    const frame = new FullCodec().encode(hex('01020304'))
    frame[frame.length - 1] ^= 1
    assert.throws(() => new FullCodec().push(frame), FramingError)
  })
  test('rejects a frame whose seq skips ahead', () => {
    const client = new FullCodec()
    client.encode(hex('01020304'))
    assert.throws(() => new FullCodec().push(client.encode(hex('01020304'))), FramingError)
  })
})

describe('transport errors', () => {
  test('-404 is the 4-byte little-endian int32 payload 6cfeffff', () => {
    assert.deepEqual(transportErrorPayload(-404), hex('6cfeffff'))
    assert.equal(readTransportError(hex('6cfeffff')), -404)
    assert.equal(readTransportError(hex('01000000')), undefined)
  })
})
