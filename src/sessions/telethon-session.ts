/**
 * Telethon's StringSession (telethon/sessions/string.py), the form in which the Python service
 * kept its session, and its conversion to and from an mtcute session string (docs/spec.md §5):
 *
 *   '1' + urlsafe_b64encode(struct.pack('>B4sH256s' | '>B16sH256s', dc_id, ip, port, auth_key))
 *
 * i.e. one byte DC id, the packed IPv4 (4 bytes) or IPv6 (16 bytes) address, a big-endian
 * 16-bit port and the 256-byte auth key: 263 or 275 bytes, 352 or 368 base64 characters.
 */
import { isIP } from 'node:net'
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js'

export interface TelethonSession {
  dcId: number
  /** In Python's `ipaddress.compressed` form: dotted IPv4, or IPv6 compressed per RFC 5952. */
  ip: string
  port: number
  authKey: Buffer
}

const VERSION = '1'
const AUTH_KEY_LENGTH = 256
const IPV4_LENGTH = 1 + 4 + 2 + AUTH_KEY_LENGTH
const IPV6_LENGTH = 1 + 16 + 2 + AUTH_KEY_LENGTH

/** Cheap shape check used to recognise a legacy session among stored contents. */
export function isTelethonSessionString(text: string): boolean {
  if (!text.startsWith(VERSION) || !/^[A-Za-z0-9_-]+={0,2}$/.test(text.slice(1))) return false
  const length = Buffer.from(text.slice(1), 'base64url').length
  return length === IPV4_LENGTH || length === IPV6_LENGTH
}

export function decodeTelethonSession(text: string): TelethonSession {
  if (!text.startsWith(VERSION)) throw new Error('not a Telethon string session: it must start with "1"')
  const body = text.slice(1)
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(body)) throw new Error('not a Telethon string session: not URL-safe base64')
  const bytes = Buffer.from(body, 'base64url')
  if (bytes.length !== IPV4_LENGTH && bytes.length !== IPV6_LENGTH) {
    throw new Error(`not a Telethon string session: ${bytes.length} bytes, expected ${IPV4_LENGTH} or ${IPV6_LENGTH}`)
  }
  const ipLength = bytes.length === IPV4_LENGTH ? 4 : 16
  const ipBytes = bytes.subarray(1, 1 + ipLength)
  return {
    dcId: bytes.readUInt8(0),
    ip: ipLength === 4 ? Array.from(ipBytes).join('.') : formatIpv6(ipBytes),
    port: bytes.readUInt16BE(1 + ipLength),
    authKey: Buffer.from(bytes.subarray(3 + ipLength)),
  }
}

export function encodeTelethonSession(session: TelethonSession): string {
  if (session.authKey.length !== AUTH_KEY_LENGTH) throw new Error(`the auth key must be ${AUTH_KEY_LENGTH} bytes`)
  const ip = packIp(session.ip)
  const bytes = Buffer.alloc(1 + ip.length + 2 + AUTH_KEY_LENGTH)
  bytes.writeUInt8(session.dcId, 0)
  ip.copy(bytes, 1)
  bytes.writeUInt16BE(session.port, 1 + ip.length)
  session.authKey.copy(bytes, 3 + ip.length)
  // Python's urlsafe_b64encode keeps the '=' padding.
  return VERSION + bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

/** Telethon leaves the key zeroed when it has none (`if any(key)` in StringSession.__init__). */
export function hasAuthKey(session: TelethonSession): boolean {
  return session.authKey.some((byte) => byte !== 0)
}

/**
 * The same login as an mtcute session string, written by mtcute's own writer (version 3): the
 * primary DC is the one Telethon was connected to (also serving media), production mode, and
 * no cached user — mtcute fetches it on start.
 */
export function telethonToMtcuteSession(session: TelethonSession): string {
  const dc = {
    id: session.dcId,
    ipAddress: session.ip,
    port: session.port,
    ...(isIP(session.ip) === 6 ? { ipv6: true } : {}),
  }
  return writeStringSession({
    version: 3,
    primaryDcs: { main: dc, media: dc },
    self: null,
    authKey: new Uint8Array(session.authKey),
  })
}

/**
 * The way back: an mtcute session string as Telethon's session, on the session's primary DC —
 * the account's home DC, with the address mtcute last used for it — and the same auth key.
 * Telethon stores the address as packed bytes, so a host name must be resolved first
 * (`resolve`, called only for a name); mtcute's cached user has no place in Telethon's string.
 */
export async function mtcuteToTelethonSession(session: string, resolve: (host: string) => Promise<string>): Promise<TelethonSession> {
  const data = readStringSession(session)
  const dc = data.primaryDcs.main
  if (data.authKey.length !== AUTH_KEY_LENGTH) throw new Error(`the session's auth key is ${data.authKey.length} bytes, expected ${AUTH_KEY_LENGTH}`)
  const ip = isIP(dc.ipAddress) === 0 ? await resolve(dc.ipAddress) : dc.ipAddress
  return { dcId: dc.id, ip: isIP(ip) === 6 ? formatIpv6(packIp(ip)) : ip, port: dc.port, authKey: Buffer.from(data.authKey) }
}

function packIp(ip: string): Buffer {
  const family = isIP(ip)
  if (family === 4) return Buffer.from(ip.split('.').map(Number))
  if (family !== 6) throw new Error(`not an IP address: ${JSON.stringify(ip)}`)
  let text = ip
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two hextets.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number)
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const headParts = head === '' ? [] : head.split(':')
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? 0 : 8 - headParts.length - tailParts.length
  const hextets = [...headParts, ...Array<string>(zeros).fill('0'), ...tailParts]
  const bytes = Buffer.alloc(16)
  hextets.forEach((hextet, i) => bytes.writeUInt16BE(parseInt(hextet, 16), i * 2))
  return bytes
}

/** RFC 5952 §4.2: lowercase, no leading zeros, the longest run (≥ 2, first on a tie) of zero hextets as '::'. */
function formatIpv6(bytes: Buffer): string {
  const hextets = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2))
  let bestStart = -1
  let bestLength = 0
  for (let i = 0; i < 8;) {
    if (hextets[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && hextets[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = hextets.map((value) => value.toString(16))
  if (bestLength < 2) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
