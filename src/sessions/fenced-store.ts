/**
 * The session store as a lease holder writes it: every write is fenced by the lease
 * (src/sessions/lease.ts), so that a holder that stalled past its lease — and woke up after
 * another instance took over — cannot save over the new holder's session.
 *
 * Two fences, one after the other, on every write and remove:
 *   1. the lease is still ours (`SessionLease.assertHeld`: unexpired, and the lease object in
 *      the store still carries our token — "write only while the lock is still ours");
 *   2. the write is conditional on the object being as this holder last saw it: S3 PutObject
 *      with `If-Match: <the ETag we last read or wrote>`, or `If-None-Match: *` when we saw no
 *      object (RFC 9110 §13.1.1–2); a file is replaced only if its digest is still the one we
 *      saw, by rename(2), so it is never missing.
 * A stale holder fails the first fence once the new holder has the lease, and the second once
 * the new holder has written. A stale holder that passed its lease check just before stalling
 * can still land one write before the new holder's first; the new holder's next write then
 * finds the object changed while its lease is intact, knows the writer did not hold the lease,
 * and writes over it (with a warning). Either way the holder of the lease has the last word.
 *
 * API (for anything kept beside the session — the session record '', the sandbox state
 * '.sandbox', a delivery cursor): a `BlobStore`. `read(name)` remembers the version it saw;
 * `write(name, data)` and `remove(name)` are fenced as above (a name never read is read first);
 * both throw SessionStoreError SESSION_LEASE_LOST when the lease is gone — the process must
 * then stop using the session — or the store's own error. Writes to one name run one at a time.
 */
import type { BlobStore } from './blob-store.ts'
import { LEASE_OBJECT, type SessionLease } from './lease.ts'
import type { LeaseStore } from './lease-store.ts'
import { SessionStoreError } from './session-store-error.ts'

export interface FencedStoreLog {
  warn(obj: object, msg?: string): void
}

/** The version seen of a name: an opaque version, or null when the object did not exist. */
type Seen = string | null

export class FencedStore implements BlobStore {
  readonly #store: BlobStore & LeaseStore
  readonly #lease: SessionLease
  readonly #log: FencedStoreLog
  readonly #seen = new Map<string, Seen>()
  readonly #queues = new Map<string, Promise<unknown>>()

  constructor(store: BlobStore & LeaseStore, lease: SessionLease, log: FencedStoreLog) {
    this.#store = store
    this.#lease = lease
    this.#log = log
  }

  describe(): string {
    return this.#store.describe()
  }

  async read(name = ''): Promise<Buffer | null> {
    const found = await this.#store.readVersioned(name)
    this.#seen.set(name, found?.version ?? null)
    return found?.data ?? null
  }

  write(name: string, data: Buffer): Promise<void> {
    return this.#serially(name, async () => {
      await this.#lease.assertHeld()
      let version = await this.#put(name, data, await this.#lastSeen(name))
      if (version === null) {
        // Changed since we saw it. With our lease intact, whoever wrote it did not hold the lease.
        await this.#lease.assertHeld()
        const current = await this.#store.readVersioned(name)
        this.#log.warn({ store: this.describe(), object: name }, 'the session store was written by an instance that no longer holds the lease; writing over it')
        version = await this.#put(name, data, current?.version ?? null)
        if (version === null) throw new SessionStoreError('STORE_FAILED', `cannot write ${this.describe()}${name}: it keeps changing under the lease holder`)
      }
      this.#seen.set(name, version)
    })
  }

  remove(name: string): Promise<void> {
    return this.#serially(name, async () => {
      await this.#lease.assertHeld()
      const seen = await this.#lastSeen(name)
      if (seen !== null && !(await this.#store.removeIfVersion(name, seen))) {
        await this.#lease.assertHeld()
        await this.#store.remove(name)
      }
      this.#seen.set(name, null)
    })
  }

  /**
   * The store's leftovers (temporary files a killed process left, each possibly a whole
   * session), removed under the lease, so that no other instance is writing its own meanwhile;
   * the lease's own temporaries are spared (another instance may be taking it at this moment).
   */
  async removeLeftovers(): Promise<string[]> {
    if (this.#store.removeLeftovers === undefined) return []
    await this.#lease.assertHeld()
    return this.#store.removeLeftovers([LEASE_OBJECT])
  }

  /** Creates when we saw nothing, else replaces the version we saw — never leaving the name missing. */
  #put(name: string, data: Buffer, seen: Seen): Promise<string | null> {
    return seen === null ? this.#store.createIfAbsent(name, data) : this.#store.renewIfVersion(name, data, seen)
  }

  async #lastSeen(name: string): Promise<Seen> {
    if (!this.#seen.has(name)) await this.read(name)
    return this.#seen.get(name) ?? null
  }

  #serially<T>(name: string, step: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(name) ?? Promise.resolve()).then(step)
    this.#queues.set(name, run.catch(() => {}))
    return run
  }
}
