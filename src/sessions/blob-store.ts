/**
 * Where the session lives: one location per store, holding a few sibling objects selected by
 * `name` — '' is the session record itself, '.lock' and '.sandbox' sit beside it (the sandbox
 * keeps its emulator state there, docs/spec.md §2), and '.revoked' keeps a record Telegram revoked. Every store behaves alike; the contract test
 * (test/sessions/store-contract.test.ts) runs against each of them.
 */
export interface BlobStore {
  /** The object's bytes, or null when it does not exist; any other failure throws a SessionStoreError. */
  read(name?: string): Promise<Buffer | null>
  /** Replaces the object atomically: a reader sees the old bytes or the new ones, never a mix. */
  write(name: string, data: Buffer): Promise<void>
  /** Deletes the object; removing a missing object succeeds. */
  remove(name: string): Promise<void>
  /** The store's location for logs and messages, e.g. "file:./data/session" or "s3://bucket/key"; no secrets. */
  describe(): string
}

/** When an object was last written (a file's mtime, an S3 object's Last-Modified): what `npm run session -- show` reports. */
export interface WrittenAt {
  /** null when the object does not exist; any other failure throws a SessionStoreError. */
  writtenAt(name?: string): Promise<Date | null>
}

const SIBLING_NAME = /^(?:\.[A-Za-z0-9_-]+)*$/

/** Sibling names are suffixes such as ".lock": they may not climb out of the store's location. */
export function assertSiblingName(name: string): void {
  if (!SIBLING_NAME.test(name)) throw new TypeError(`invalid session store object name ${JSON.stringify(name)}`)
}
