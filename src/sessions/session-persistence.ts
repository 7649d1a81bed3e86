/**
 * Reading and saving the session record through a store: the store's bytes, decrypted when
 * SESSION_ENCRYPTION_KEY is set, parsed as a record (or imported from a legacy session string).
 */
import type { BlobStore } from './blob-store.ts'
import { decryptSession, encryptSession } from './session-encryption.ts'
import { EMPTY_SESSION_RECORD, parseSessionRecord, serializeSessionRecord } from './session-record.ts'
import type { SessionRecord } from './session-record.ts'

/** A missing session is an empty record (not signed in); every other failure throws a SessionStoreError. */
export async function loadSessionRecord(store: BlobStore, key: Buffer | null): Promise<SessionRecord> {
  const stored = await store.read('')
  if (stored === null) return { ...EMPTY_SESSION_RECORD }
  return parseSessionRecord(decryptSession(key, stored))
}

export async function saveSessionRecord(store: BlobStore, key: Buffer | null, record: SessionRecord): Promise<void> {
  await store.write('', encodeRecord(key, record))
}

/**
 * The sibling that keeps the last record Telegram revoked (`<session>.revoked`, `<key>.revoked`),
 * encrypted like the session, so that an operator can put it back (docs/sessions.md).
 */
export const REVOKED_RECORD = '.revoked'

export async function saveRevokedRecord(store: BlobStore, key: Buffer | null, record: SessionRecord): Promise<void> {
  await store.write(REVOKED_RECORD, encodeRecord(key, record))
}

function encodeRecord(key: Buffer | null, record: SessionRecord): Buffer {
  const plaintext = serializeSessionRecord(record)
  return key === null ? plaintext : encryptSession(key, plaintext)
}
