/**
 * The session lease as stored (sibling object '.lock'): who holds it, until when, and enough
 * about the holder's process to tell, from the same host, that it has died. The random token
 * makes every lease document unique, so a version never comes back (no ABA on a digest).
 */
import type { LeaseIdentity } from './lease-identity.ts'

export interface LeaseDocument {
  holder: string
  pid: number
  hostname: string
  /** ISO 8601; past this time the lease is free to take. */
  expiresAt: string
  acquiredAt: string
  pidScope: string | null
  token: string
}

/** Why a lease found in the store may or may not be taken. */
export type LeaseStanding =
  | { free: false }
  | { free: true, reason: 'expired' | 'holder-gone' | 'unreadable' }

export function encodeLease(document: LeaseDocument): Buffer {
  return Buffer.from(`${JSON.stringify(document)}\n`, 'utf8')
}

/** The stored lease, or null when the bytes are not a lease document. */
export function parseLease(bytes: Buffer): LeaseDocument | null {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { holder, pid, hostname, expiresAt, acquiredAt, pidScope, token } = value as Record<string, unknown>
  if (typeof holder !== 'string' || typeof hostname !== 'string' || typeof token !== 'string') return null
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid)) return null
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) return null
  if (typeof acquiredAt !== 'string' || (pidScope !== null && typeof pidScope !== 'string')) return null
  return { holder, pid, hostname, expiresAt, acquiredAt, pidScope, token }
}

/**
 * A lease is free when it has expired, when its holder ran in our pid space and no longer
 * runs (it died without releasing), or when the object is not a lease at all (it would
 * otherwise block every start for good).
 */
export function leaseStanding(document: LeaseDocument | null, nowMs: number, identity: LeaseIdentity): LeaseStanding {
  if (document === null) return { free: true, reason: 'unreadable' }
  if (nowMs >= Date.parse(document.expiresAt)) return { free: true, reason: 'expired' }
  const samePidSpace = document.pidScope !== null && document.pidScope === identity.pidScope && document.hostname === identity.hostname
  if (samePidSpace && !identity.isAlive(document.pid)) return { free: true, reason: 'holder-gone' }
  return { free: false }
}
