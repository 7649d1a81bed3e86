import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js'
import {
  decodeTelethonSession, encodeTelethonSession, hasAuthKey, isTelethonSessionString, mtcuteToTelethonSession, telethonToMtcuteSession,
} from '../../src/sessions/telethon-session.ts'

const AUTH_KEY = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 13 + 7) & 0xff))

// Produced by Python: '1' + base64.urlsafe_b64encode(struct.pack('>B4sH256s', 2,
// ipaddress.ip_address('149.154.167.51').packed, 443, AUTH_KEY)).decode(), as Telethon's StringSession.save does.
const PYTHON_IPV4 = '1ApWapzMBuwcUIS47SFVib3yJlqOwvcrX5PH-CxglMj9MWWZzgI2ap7TBztvo9QIPHCk2Q1BdaneEkZ6ruMXS3-z5BhMgLTpHVGFue4iVoq-8ydbj8P0KFyQxPktYZXJ_jJmms8DN2uf0AQ4bKDVCT1xpdoOQnaq3xNHe6_gFEh8sOUZTYG16h5ShrrvI1eLv_AkWIzA9SldkcX6LmKWyv8zZ5vMADRonNEFOW2h1go-cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU4e77CBUiLzxJVmNwfYqXpLG-y9jl8v8MGSYzQE1aZ3SBjpuotcLP3On2AxAdKjdEUV5reIWSn6y5xtPg7fo='
// The same with '>B16sH256s' and 2001:67c:4e8:f002::a.
const PYTHON_IPV6 = '1AiABBnwE6PACAAAAAAAAAAoBuwcUIS47SFVib3yJlqOwvcrX5PH-CxglMj9MWWZzgI2ap7TBztvo9QIPHCk2Q1BdaneEkZ6ruMXS3-z5BhMgLTpHVGFue4iVoq-8ydbj8P0KFyQxPktYZXJ_jJmms8DN2uf0AQ4bKDVCT1xpdoOQnaq3xNHe6_gFEh8sOUZTYG16h5ShrrvI1eLv_AkWIzA9SldkcX6LmKWyv8zZ5vMADRonNEFOW2h1go-cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU4e77CBUiLzxJVmNwfYqXpLG-y9jl8v8MGSYzQE1aZ3SBjpuotcLP3On2AxAdKjdEUV5reIWSn6y5xtPg7fo='

function buildTelethonString(dcId: number, ip: Buffer, port: number, authKey: Buffer): string {
  const header = Buffer.alloc(1 + ip.length + 2)
  header.writeUInt8(dcId, 0)
  ip.copy(header, 1)
  header.writeUInt16BE(port, 1 + ip.length)
  return '1' + Buffer.concat([header, authKey]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

test('a Telethon IPv4 string session decodes to its DC, address, port and auth key', () => {
  const text = buildTelethonString(4, Buffer.from([149, 154, 167, 91]), 443, AUTH_KEY)
  assert.equal(text.length, 1 + 352)
  const session = decodeTelethonSession(text)
  assert.equal(session.dcId, 4)
  assert.equal(session.ip, '149.154.167.91')
  assert.equal(session.port, 443)
  assert.deepEqual(session.authKey, AUTH_KEY)
})

test('strings written by Python match the known answers', () => {
  assert.deepEqual(decodeTelethonSession(PYTHON_IPV4), { dcId: 2, ip: '149.154.167.51', port: 443, authKey: AUTH_KEY })
  assert.deepEqual(decodeTelethonSession(PYTHON_IPV6), { dcId: 2, ip: '2001:67c:4e8:f002::a', port: 443, authKey: AUTH_KEY })
  assert.equal(encodeTelethonSession({ dcId: 2, ip: '149.154.167.51', port: 443, authKey: AUTH_KEY }), PYTHON_IPV4)
  assert.equal(encodeTelethonSession({ dcId: 2, ip: '2001:67c:4e8:f002::a', port: 443, authKey: AUTH_KEY }), PYTHON_IPV6)
})

test('IPv6 addresses are written in the compressed form Python prints', () => {
  const cases: Array<[string, string]> = [
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
  ]
  for (const [hex, expected] of cases) {
    const session = decodeTelethonSession(buildTelethonString(1, Buffer.from(hex, 'hex'), 80, AUTH_KEY))
    assert.equal(session.ip, expected, hex)
    assert.equal(encodeTelethonSession(session), buildTelethonString(1, Buffer.from(hex, 'hex'), 80, AUTH_KEY))
  }
})

test('encoding then decoding gives the session back', () => {
  const session = { dcId: 5, ip: '91.108.56.130', port: 65535, authKey: AUTH_KEY }
  assert.deepEqual(decodeTelethonSession(encodeTelethonSession(session)), session)
  const v6 = { dcId: 1, ip: '2001:b28:f23d:f001::a', port: 443, authKey: AUTH_KEY }
  assert.deepEqual(decodeTelethonSession(encodeTelethonSession(v6)), v6)
})

test('strings without padding are accepted too', () => {
  assert.deepEqual(decodeTelethonSession(PYTHON_IPV4.replace(/=+$/, '')).authKey, AUTH_KEY)
})

test('other strings are not taken for Telethon sessions', () => {
  assert.equal(isTelethonSessionString(PYTHON_IPV4), true)
  assert.equal(isTelethonSessionString(PYTHON_IPV6), true)
  assert.equal(isTelethonSessionString('2' + PYTHON_IPV4.slice(1)), false)
  assert.equal(isTelethonSessionString(PYTHON_IPV4.slice(0, 100)), false)
  assert.equal(isTelethonSessionString('1 not base64 !'), false)
  assert.throws(() => decodeTelethonSession('2abc'), /must start with "1"/)
  assert.throws(() => decodeTelethonSession('1AAAA'), /3 bytes, expected 263 or 275/)
  assert.throws(() => decodeTelethonSession('1!!!'), /not URL-safe base64/)
})

test('a zeroed auth key means Telethon had no login', () => {
  assert.equal(hasAuthKey(decodeTelethonSession(PYTHON_IPV4)), true)
  assert.equal(hasAuthKey({ dcId: 2, ip: '1.2.3.4', port: 443, authKey: Buffer.alloc(256) }), false)
})

test('the mtcute string made from a Telethon session reads back with the same auth key and DC', () => {
  const mtcute = telethonToMtcuteSession(decodeTelethonSession(PYTHON_IPV4))
  const read = readStringSession(mtcute)
  assert.equal(read.version, 3)
  assert.deepEqual(Buffer.from(read.authKey), AUTH_KEY)
  assert.equal(read.primaryDcs.main.id, 2)
  assert.equal(read.primaryDcs.main.ipAddress, '149.154.167.51')
  assert.equal(read.primaryDcs.main.port, 443)
  assert.equal(read.primaryDcs.main.testMode, false)
  assert.equal(read.primaryDcs.main.ipv6, false)
  assert.deepEqual(read.primaryDcs.media, read.primaryDcs.main)
  assert.equal(read.self, null)
})

test('an IPv6 Telethon session becomes an mtcute IPv6 DC', () => {
  const read = readStringSession(telethonToMtcuteSession(decodeTelethonSession(PYTHON_IPV6)))
  assert.equal(read.primaryDcs.main.ipAddress, '2001:67c:4e8:f002::a')
  assert.equal(read.primaryDcs.main.ipv6, true)
  assert.deepEqual(Buffer.from(read.authKey), AUTH_KEY)
})

const noResolver = (host: string): Promise<string> => Promise.reject(new Error(`${host} should not be resolved`))

test('an mtcute session goes back to the Telethon string it came from, DC, address, port and key alike', async () => {
  for (const text of [PYTHON_IPV4, PYTHON_IPV6]) {
    const back = await mtcuteToTelethonSession(telethonToMtcuteSession(decodeTelethonSession(text)), noResolver)
    assert.equal(encodeTelethonSession(back), text)
  }
})

test('the Telethon session is on the primary DC, and a host name is resolved to the address Telethon packs', async () => {
  const main = { id: 4, ipAddress: 'dc4.example', port: 8443 }
  const session = writeStringSession({ version: 3, primaryDcs: { main, media: { ...main, id: 4, ipAddress: '10.0.0.9', mediaOnly: true } }, self: null, authKey: new Uint8Array(AUTH_KEY) })
  const asked: string[] = []
  const telethon = await mtcuteToTelethonSession(session, async (host) => {
    asked.push(host)
    return '192.0.2.44'
  })
  assert.deepEqual(asked, ['dc4.example'])
  assert.deepEqual(telethon, { dcId: 4, ip: '192.0.2.44', port: 8443, authKey: AUTH_KEY })
  assert.deepEqual(decodeTelethonSession(encodeTelethonSession(telethon)), telethon)
})
