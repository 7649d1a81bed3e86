/**
 * What the session lease needs from a store beyond BlobStore: reads that say which version of
 * an object they saw, and writes that succeed only if the object is still in the state the
 * writer saw (compare-and-swap). With these, two instances racing for the lease cannot both
 * win; plain read-then-write cannot promise that.
 *
 * FileStore and S3Store implement it. A version is opaque: an S3 ETag, a digest of a file's
 * bytes. Every failure other than "the condition does not hold" throws a SessionStoreError.
 */
export interface VersionedObject {
  data: Buffer
  version: string
}

export interface LeaseStore {
  /** The store's location for logs and messages; no secrets. */
  describe(): string
  /** The object and its version, or null when it does not exist. */
  readVersioned(name: string): Promise<VersionedObject | null>
  /** Creates the object unless it exists: its version, or null when an object was already there. */
  createIfAbsent(name: string, data: Buffer): Promise<string | null>
  /**
   * Replaces the object if it still has `version`: the new version, or null when it changed or
   * is gone. Of two writers replacing the same version, one wins; the object may be missing for
   * a moment meanwhile (a file store), so a concurrent createIfAbsent can win instead.
   */
  replaceIfVersion(name: string, data: Buffer, version: string): Promise<string | null>
  /**
   * Like replaceIfVersion, but the object is never missing, not even for a moment. A file store
   * checks the version and then replaces, so this is safe only against writers that leave the
   * object alone — others' leases while they are unexpired, the session while our lease holds
   * (src/sessions/fenced-store.ts) — S3 checks atomically either way.
   */
  renewIfVersion(name: string, data: Buffer, version: string): Promise<string | null>
  /** Removes the object if it still has `version`; false when it changed. An object already gone counts as removed. */
  removeIfVersion(name: string, version: string): Promise<boolean>
  /**
   * Whether the conditions above are enforced by the store itself. When false they are
   * checked by reading before and after the write, which two writers at the same moment can
   * both pass (an S3-compatible server that ignores If-None-Match / If-Match).
   */
  enforcesConditions(): Promise<boolean>
}
