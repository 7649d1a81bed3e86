/**
 * The document stored as the session (store object ''): the signed-in session, and the sign-in
 * in progress, which must survive a restart between `POST /sign_in {phone}` and the code
 * (docs/spec.md §3) together with the auth key the code is bound to — Telegram answers
 * PHONE_CODE_EXPIRED when the code is checked on another auth key.
 *
 * Also accepted as stored content, so that no new login is needed (docs/spec.md §5):
 *   - a bare Telethon StringSession, as the Python service saved it;
 *   - a bare mtcute session string.
 * Empty content is the same as a missing session.
 */
import { readStringSession } from '@mtcute/core/utils.js'
import { SessionStoreError } from './session-store-error.ts'
import { decodeTelethonSession, hasAuthKey, isTelethonSessionString, telethonToMtcuteSession } from './telethon-session.ts'

/** A code sign-in in progress (docs/spec.md §3). `method` is absent in records written before QR login existed. */
export interface PendingCodeSignIn {
  method?: 'code'
  /** The phone number as the client sent it. */
  phone: string
  /** auth.sentCode.phone_code_hash, echoed in auth.signIn. */
  phoneCodeHash: string
  /** mtcute session string of the (unauthorized) auth key that asked for the code: it names the DC. */
  session: string
  /** ISO 8601 time the code was requested. */
  createdAt: string
  /** What the client must send next. */
  step: 'code' | 'two_factor_password'
  /** The 2FA password hint (account.password.hint), when step is 'two_factor_password'. */
  hint?: string
}

/** A QR sign-in in progress: the key that exported the login token (its DC included), waiting for a scan or the password. */
export interface PendingQrSignIn {
  method: 'qr'
  session: string
  createdAt: string
  step: 'scan' | 'two_factor_password'
  hint?: string
}

export type PendingSignIn = PendingCodeSignIn | PendingQrSignIn

export interface SessionRecord {
  version: 1
  /** mtcute session string of the signed-in account, or null when not signed in. */
  session: string | null
  pendingSignIn: PendingSignIn | null
  /**
   * What the service learned of the account's flood limits, by method (read and checked by
   * src/telegram/calls/learned-limits.ts), so that a restart does not learn them again by meeting waits.
   */
  floodLimits?: Readonly<Record<string, unknown>>
}

export const EMPTY_SESSION_RECORD: Readonly<SessionRecord> = Object.freeze({ version: 1, session: null, pendingSignIn: null })

export function parseSessionRecord(bytes: Buffer): SessionRecord {
  const text = bytes.toString('utf8').trim()
  if (text === '') return { ...EMPTY_SESSION_RECORD }
  if (text.startsWith('{')) return parseRecordJson(text)
  if (isTelethonSessionString(text)) {
    const telethon = decodeTelethonSession(text)
    return { version: 1, session: hasAuthKey(telethon) ? telethonToMtcuteSession(telethon) : null, pendingSignIn: null }
  }
  if (isMtcuteSessionString(text)) return { version: 1, session: text, pendingSignIn: null }
  throw corrupt('it is neither a session record nor a Telethon or mtcute session string')
}

export function serializeSessionRecord(record: SessionRecord): Buffer {
  const document: SessionRecord = {
    version: 1,
    session: record.session,
    pendingSignIn: pendingDocument(record.pendingSignIn),
    ...(record.floodLimits === undefined || record.session === null ? {} : { floodLimits: record.floodLimits }),
  }
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8')
}

/** The pending sign-in with exactly its documented members, in a stable order. */
function pendingDocument(pending: PendingSignIn | null): PendingSignIn | null {
  if (pending === null) return null
  const hint = pending.hint === undefined ? {} : { hint: pending.hint }
  if (pending.method === 'qr') return { method: 'qr', session: pending.session, createdAt: pending.createdAt, step: pending.step, ...hint }
  return { phone: pending.phone, phoneCodeHash: pending.phoneCodeHash, session: pending.session, createdAt: pending.createdAt, step: pending.step, ...hint }
}

function parseRecordJson(text: string): SessionRecord {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw corrupt('it is not valid JSON')
  }
  if (!isObject(document)) throw corrupt('it is not a JSON object')
  if ('alg' in document) throw new SessionStoreError('SESSION_KEY_REQUIRED', 'the stored session is encrypted: set SESSION_ENCRYPTION_KEY')
  if (document.version !== 1) throw corrupt(`unknown record version ${JSON.stringify(document.version)}`)
  const session = document.session ?? null
  if (session !== null && !isMtcuteSessionString(session)) throw corrupt('"session" is not an mtcute session string')
  const floodLimits = isObject(document.floodLimits) ? { floodLimits: document.floodLimits } : {}
  return { version: 1, session, pendingSignIn: parsePending(document.pendingSignIn ?? null), ...floodLimits }
}

function parsePending(value: unknown): PendingSignIn | null {
  if (value === null) return null
  if (!isObject(value)) throw corrupt('"pendingSignIn" is not an object')
  const { method, phone, phoneCodeHash, session, createdAt, step, hint } = value
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw corrupt('"pendingSignIn" lacks createdAt')
  if (!isMtcuteSessionString(session)) throw corrupt('"pendingSignIn.session" is not an mtcute session string')
  if (hint !== undefined && typeof hint !== 'string') throw corrupt('"pendingSignIn.hint" is not a string')
  const withHint = hint === undefined ? {} : { hint }
  if (method === 'qr') {
    if (step !== 'scan' && step !== 'two_factor_password') throw corrupt('"pendingSignIn.step" is unknown')
    return { method: 'qr', session, createdAt, step, ...withHint }
  }
  if (method !== undefined && method !== 'code') throw corrupt('"pendingSignIn.method" is unknown')
  if (typeof phone !== 'string' || typeof phoneCodeHash !== 'string') throw corrupt('"pendingSignIn" lacks phone, phoneCodeHash or createdAt')
  if (step !== 'code' && step !== 'two_factor_password') throw corrupt('"pendingSignIn.step" is unknown')
  return { phone, phoneCodeHash, session, createdAt, step, ...withHint }
}

function isMtcuteSessionString(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return false
  try {
    readStringSession(value)
    return true
  } catch {
    return false
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function corrupt(why: string): SessionStoreError {
  return new SessionStoreError('SESSION_CORRUPT', `the stored session cannot be read: ${why}`)
}
