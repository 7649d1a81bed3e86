/**
 * The session record as the gateway holds it, and its way to the store (docs/spec.md §5): the record in
 * memory, whether the store is behind it, and the writes, one after the other so that an older
 * record never lands after a newer one. A login Telegram revoked is copied aside before it is
 * forgotten, so that one wrong answer never loses it.
 */
import { sessionStoreUnavailable } from '../../core/errors.ts'
import type { SessionMetrics } from '../../metrics/service-metrics.ts'
import type { BlobStore } from '../../sessions/blob-store.ts'
import { REVOKED_RECORD, loadSessionRecord, saveRevokedRecord, saveSessionRecord } from '../../sessions/session-persistence.ts'
import { EMPTY_SESSION_RECORD, type SessionRecord } from '../../sessions/session-record.ts'
import type { TelegramLog } from '../calls/mtcute-log.ts'

export interface SessionKeeperDeps {
  store: BlobStore
  /** SESSION_ENCRYPTION_KEY, or null/absent to keep the record in clear. */
  sessionKey?: Buffer | null | undefined
  log: TelegramLog
  metrics?: SessionMetrics | undefined
}

export class SessionKeeper {
  readonly #deps: SessionKeeperDeps
  #record: SessionRecord
  /** The record in memory differs from the one in the store (a write failed, or a sign-out). */
  #dirty = false
  #saveQueue: Promise<unknown> = Promise.resolve()

  private constructor(deps: SessionKeeperDeps, record: SessionRecord) {
    this.#deps = deps
    this.#record = record
  }

  /** Reads the store: missing is not signed in; unreadable throws the store's error. */
  static async load(deps: SessionKeeperDeps): Promise<SessionKeeper> {
    return new SessionKeeper(deps, await loadSessionRecord(deps.store, deps.sessionKey ?? null))
  }

  get record(): SessionRecord {
    return this.#record
  }

  /** The record in memory has not reached the store yet. */
  get dirty(): boolean {
    return this.#dirty
  }

  /** Takes `record` as the account's and saves it; throws SESSION_STORE_UNAVAILABLE when the write fails. */
  async commit(record: SessionRecord): Promise<void> {
    this.#record = record
    this.#dirty = true
    await this.saveOrFail()
  }

  /** Writes the record to the store; throws the store's error (the caller retries). */
  save(): Promise<void> {
    const write = this.#saveQueue.then(async () => {
      const record = this.#record
      try {
        await saveSessionRecord(this.#deps.store, this.#deps.sessionKey ?? null, record)
      } catch (err) {
        this.#deps.metrics?.recordSessionSave('failed')
        throw err
      }
      this.#deps.metrics?.recordSessionSave('ok')
      if (record === this.#record) this.#dirty = false
    })
    this.#saveQueue = write.catch(() => {})
    return write
  }

  /** `save`, logged, with the store's failure as SESSION_STORE_UNAVAILABLE. */
  async saveOrFail(): Promise<void> {
    try {
      await this.save()
    } catch (err) {
      this.#deps.log.error({ err: { message: (err as Error).message }, store: this.#deps.store.describe() }, 'could not save the session')
      throw sessionStoreUnavailable(err)
    }
  }

  /**
   * After a sign-out, with the cleared record saved: the copies of the account's session beside
   * it go too — a revoked login kept aside (`.revoked`) and any temporary file a killed process
   * left — so that nothing of the account stays in the store. A failure is logged, not thrown:
   * the sign-out itself is done.
   */
  async removeCopies(): Promise<void> {
    const { log, store } = this.#deps
    try {
      await store.remove(REVOKED_RECORD)
      const removed = await store.removeLeftovers?.() ?? []
      if (removed.length > 0) log.info({ store: store.describe(), removed: removed.length }, 'removed temporary copies of the session left by an interrupted write')
    } catch (err) {
      log.error({ err: { message: (err as Error).message }, store: store.describe() }, 'signed out, but copies of the session beside it could not be removed')
    }
  }

  /**
   * What the flood gate learned of the account's limits, kept with the signed-in session; saved
   * now when `save` (a failed write is logged and made again with the next save).
   */
  rememberFloodLimits(limits: Readonly<Record<string, unknown>>, save: boolean): void {
    if (this.#record.session === null) return
    // Nothing learned, nothing kept: the record stays as it was written.
    if (Object.keys(limits).length === 0 && this.#record.floodLimits === undefined) return
    this.#record = { ...this.#record, floodLimits: limits }
    this.#dirty = true
    if (!save) return
    this.save().catch((err: unknown) => {
      this.#deps.log.warn({ err: { message: (err as Error).message }, store: this.#deps.store.describe() }, 'could not save what was learned of the flood limits; it is saved with the session later')
    })
  }

  /** The signed-in session as the client has it now (it records DC moves), taken before the save at shutdown. */
  async refresh(exportSession: () => Promise<string>): Promise<void> {
    if (this.#record.session === null) return
    try {
      const session = await exportSession()
      if (session !== this.#record.session) this.#record = { ...this.#record, session }
    } catch (err) {
      this.#deps.log.warn({ err: { message: (err as Error).message } }, 'could not export the Telegram session; saving the one on record')
    }
  }

  /**
   * Telegram confirmed that `record`'s login is revoked: the record is copied to the store's
   * '.revoked' sibling, and only once that copy is safe is it forgotten and the empty record
   * saved (a failed save is retried at shutdown). Nothing happens when the record has changed
   * since (a concurrent read already dropped it, or a new sign-in replaced it).
   */
  async dropRevoked(record: SessionRecord, telegramError: string | null): Promise<void> {
    const { log, store } = this.#deps
    if (this.#record !== record) return
    try {
      await saveRevokedRecord(store, this.#deps.sessionKey ?? null, record)
    } catch (err) {
      log.error({ err: { message: (err as Error).message }, store: store.describe() }, 'Telegram revoked the session, but its record could not be copied aside: it is kept until it can be')
      return
    }
    if (this.#record !== record) return
    this.#record = { ...EMPTY_SESSION_RECORD }
    this.#dirty = true
    log.warn({ telegramError, store: store.describe(), copy: `${store.describe()}${REVOKED_RECORD}` }, 'Telegram confirms the session is no longer signed in; its record is kept in the copy; POST /sign_in again')
    await this.save().catch((err: unknown) => {
      log.error({ err: { message: (err as Error).message }, store: store.describe() }, 'could not save the signed-out session; it is saved again at shutdown')
    })
  }
}
