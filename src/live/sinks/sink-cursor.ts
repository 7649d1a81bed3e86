/**
 * A sink's delivery cursor as it is kept in the session store, beside the session (e.g.
 * `<session>.webhook-cursor`), encrypted with SESSION_ENCRYPTION_KEY exactly as the session is:
 *
 *   {"v":1,"cursor":"<the live feed's cursor of the last event delivery passed>"}
 *
 * Pure: the sink reads and writes the bytes. Stores replace an object atomically
 * (BlobStore.write), so a reader sees the previous cursor or the new one, never half of one.
 */
import { decryptSession, encryptSession } from '../../sessions/session-encryption.ts'
import { SessionStoreError } from '../../sessions/session-store-error.ts'

interface CursorDocument {
  v: 1
  cursor: string
}

export function encodeSinkCursor(key: Buffer | null, cursor: string): Buffer {
  const document: CursorDocument = { v: 1, cursor }
  const plaintext = Buffer.from(JSON.stringify(document), 'utf8')
  return key === null ? plaintext : encryptSession(key, plaintext)
}

/** The cursor in stored bytes; `where` names the object in the error (no content). */
export function decodeSinkCursor(key: Buffer | null, stored: Buffer, where: string): string {
  let document: Partial<CursorDocument> | null = null
  try {
    document = JSON.parse(decryptSession(key, stored).toString('utf8')) as Partial<CursorDocument>
  } catch (err) {
    if (err instanceof SessionStoreError) throw err
    document = null
  }
  if (document === null || typeof document !== 'object' || document.v !== 1 || typeof document.cursor !== 'string') {
    throw new SessionStoreError('SESSION_CORRUPT', `the delivery cursor in ${where} cannot be read`)
  }
  return document.cursor
}
