/**
 * Optional encryption of the session at rest (SESSION_ENCRYPTION_KEY): AES-256-GCM (NIST SP
 * 800-38D) with a 96-bit random IV, stored as a small JSON envelope
 *
 *   {"v":1,"alg":"A256GCM","iv":"<base64>","tag":"<base64>","data":"<base64>"}
 *
 * ("A256GCM" as in RFC 7518 §5.3). The GCM tag authenticates the content, so a wrong key and an
 * altered file are both detected rather than yielding garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { SessionStoreError } from './session-store-error.ts'

const ALGORITHM = 'A256GCM'
const IV_LENGTH = 12
const TAG_LENGTH = 16

interface Envelope {
  v: 1
  alg: typeof ALGORITHM
  iv: string
  tag: string
  data: string
}

export function encryptSession(key: Buffer, plaintext: Buffer, iv: Buffer = randomBytes(IV_LENGTH)): Buffer {
  assertKey(key)
  if (iv.length !== IV_LENGTH) throw new TypeError(`the IV must be ${IV_LENGTH} bytes`)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH })
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const envelope: Envelope = {
    v: 1,
    alg: ALGORITHM,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  }
  return Buffer.from(JSON.stringify(envelope), 'utf8')
}

/** True when the stored bytes are an encryption envelope (and not a record or a session string); throws SESSION_CORRUPT for an unsupported one. */
export function isEncryptedSession(stored: Buffer): boolean {
  return parseEnvelope(stored) !== null
}

/**
 * The plaintext of stored bytes. Content that is not an envelope is returned as it is, so a
 * session written before the key was set (or by the Python service) still loads, and is
 * encrypted on its next save.
 */
export function decryptSession(key: Buffer | null, stored: Buffer): Buffer {
  const envelope = parseEnvelope(stored)
  if (envelope === null) return stored
  if (key === null) throw new SessionStoreError('SESSION_KEY_REQUIRED', 'the stored session is encrypted: set SESSION_ENCRYPTION_KEY')
  assertKey(key)
  const iv = Buffer.from(envelope.iv, 'base64')
  const tag = Buffer.from(envelope.tag, 'base64')
  if (iv.length !== IV_LENGTH || tag.length !== TAG_LENGTH) {
    throw new SessionStoreError('SESSION_CORRUPT', 'the stored session cannot be read: its encryption envelope is malformed')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH })
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()])
  } catch (err) {
    throw new SessionStoreError('SESSION_KEY_MISMATCH', 'the stored session does not decrypt with SESSION_ENCRYPTION_KEY (another key, or the content was altered)', { cause: err })
  }
}

function parseEnvelope(stored: Buffer): Envelope | null {
  const text = stored.toString('utf8').trim()
  if (!text.startsWith('{')) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  if (!('alg' in value)) return null
  const envelope = value as Partial<Envelope>
  if (envelope.alg !== ALGORITHM || envelope.v !== 1 || typeof envelope.iv !== 'string' || typeof envelope.tag !== 'string' || typeof envelope.data !== 'string') {
    throw new SessionStoreError('SESSION_CORRUPT', 'the stored session cannot be read: unsupported or malformed encryption envelope')
  }
  return envelope as Envelope
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new TypeError('the session encryption key must be 32 bytes')
}
