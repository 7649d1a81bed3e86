/**
 * What `npm run session -- show` tells about a store, with no secret in it: whether it holds a
 * session and in which form, when it was written, whether it is encrypted (and readable with
 * the configured key), signed in or not and on which DC, a sign-in in progress, and who holds
 * the lease. Pure: the caller reads the store; neither the auth key, nor the session string,
 * nor the phone number of a pending sign-in appears in the summary.
 */
import { readStringSession } from '@mtcute/core/utils.js'
import { leaseStanding, parseLease } from './lease-document.ts'
import type { LeaseIdentity } from './lease-identity.ts'
import { decryptSession, isEncryptedSession } from './session-encryption.ts'
import { parseSessionRecord } from './session-record.ts'
import { SessionStoreError } from './session-store-error.ts'
import { isTelethonSessionString } from './telethon-session.ts'

export interface SessionSummaryInput {
  /** The store's location, as `describe()` gives it. */
  store: string
  /** The session object's bytes, or null when there is none. */
  stored: Buffer | null
  writtenAt: Date | null
  /** SESSION_ENCRYPTION_KEY, or null when unset. */
  key: Buffer | null
  /** The lease object's bytes, or null when there is none. */
  lease: Buffer | null
  now: number
  identity: LeaseIdentity
}

export type StoredForm = 'nothing' | 'record' | 'telethon' | 'mtcute'

export interface SessionSummary {
  store: string
  writtenAt: Date | null
  /** What the (decrypted) content is; null when it could not be read. */
  form: StoredForm | null
  encrypted: boolean
  /** Why the content could not be read: the key is missing or wrong, or the content is damaged. */
  problem: string | null
  /** null: unknown, the content could not be read. */
  signedIn: boolean | null
  dc: { id: number, address: string, port: number } | null
  pendingSignIn: { step: 'code' | 'two_factor_password' | 'scan', createdAt: string } | null
  lease: string
}

export function summarizeSession(input: SessionSummaryInput): SessionSummary {
  const summary: SessionSummary = {
    store: input.store,
    writtenAt: input.writtenAt,
    form: input.stored === null ? 'nothing' : null,
    encrypted: false,
    problem: null,
    signedIn: input.stored === null ? false : null,
    dc: null,
    pendingSignIn: null,
    lease: describeLease(input),
  }
  if (input.stored === null) return summary
  try {
    summary.encrypted = isEncryptedSession(input.stored)
    const plaintext = decryptSession(input.key, input.stored)
    const text = plaintext.toString('utf8').trim()
    const record = parseSessionRecord(plaintext)
    summary.form = text === '' ? 'nothing' : text.startsWith('{') ? 'record' : isTelethonSessionString(text) ? 'telethon' : 'mtcute'
    summary.signedIn = record.session !== null
    if (record.session !== null) {
      const dc = readStringSession(record.session).primaryDcs.main
      summary.dc = { id: dc.id, address: dc.ipAddress, port: dc.port }
    }
    const pending = record.pendingSignIn
    if (pending !== null) summary.pendingSignIn = { step: pending.step, createdAt: pending.createdAt }
  } catch (err) {
    if (!(err instanceof SessionStoreError)) throw err
    summary.problem = err.message
  }
  return summary
}

function describeLease(input: SessionSummaryInput): string {
  if (input.lease === null) return 'free (no lease)'
  const lease = parseLease(input.lease)
  const standing = leaseStanding(lease, input.now, input.identity)
  if (lease === null) return 'free (the lease object is not a lease)'
  if (!standing.free) return `held by ${lease.holder} since ${lease.acquiredAt}, until ${lease.expiresAt} unless renewed`
  if (standing.reason === 'holder-gone') return `free (${lease.holder} held it; that process has ended)`
  return `free (${lease.holder} held it until ${lease.expiresAt})`
}

const PENDING_STEPS = { code: 'login code', two_factor_password: 'two-step password', scan: 'QR code to be scanned' } as const

const FORMS: Record<StoredForm, string> = {
  nothing: 'nothing stored',
  record: "this service's session record",
  telethon: 'a Telethon StringSession (the Python service\'s; rewritten at the next save)',
  mtcute: 'an mtcute session string (rewritten at the next save)',
}

/** The summary as aligned `label  value` lines. */
export function formatSessionSummary(summary: SessionSummary): string {
  const unknown = 'unknown (the content cannot be read)'
  const rows: Array<[string, string]> = [
    ['store', summary.store],
    ['holds', summary.form === null ? unknown : FORMS[summary.form]],
    ['written', summary.writtenAt === null ? '-' : summary.writtenAt.toISOString()],
    ['encrypted', summary.encrypted ? 'yes (AES-256-GCM)' : summary.form === null ? unknown : 'no'],
  ]
  if (summary.problem !== null) rows.push(['unreadable', summary.problem])
  rows.push(
    ['signed in', summary.signedIn === null ? unknown : summary.signedIn ? 'yes' : 'no'],
    ['DC', summary.dc === null ? (summary.signedIn === null ? unknown : '-') : `${summary.dc.id} (${summary.dc.address}:${summary.dc.port})`],
    ['pending sign-in', summary.signedIn === null
      ? unknown
      : summary.pendingSignIn === null
        ? 'none'
        : `waiting for the ${PENDING_STEPS[summary.pendingSignIn.step]} (asked ${summary.pendingSignIn.createdAt})`],
    ['lease', summary.lease],
  )
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n'
}
