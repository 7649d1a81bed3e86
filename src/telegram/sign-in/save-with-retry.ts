/**
 * Saving the session at shutdown, retried with exponential backoff: the store may be briefly
 * unreachable (an S3 hiccup, a full disk being cleaned), and a session that is not saved may
 * cost a new login (docs/spec.md §5: "saved at shutdown"). Every failure is logged, the last one at
 * error level, so a lost save is never silent; the caller turns `false` into exit code 1.
 *
 * A lost lease ends the retries at once: the store may be another instance's by now.
 *
 * Only the error's message is logged: store errors name the store and the reason, never the
 * session's content.
 */
import { SessionStoreError } from '../../sessions/session-store-error.ts'
import type { Sleep } from '../calls/call-with-flood-wait.ts'

export interface SaveRetryLog {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface SaveRetryDeps {
  save: () => Promise<void>
  sleep: Sleep
  log: SaveRetryLog
}

export interface SaveRetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** The wait after the first failure; each later wait doubles it. */
  firstDelayMs: number
}

export const DEFAULT_SAVE_RETRY: SaveRetryPolicy = { attempts: 5, firstDelayMs: 200 }

/** Calls `save` until it succeeds or the attempts run out; resolves true when it was saved. */
export async function saveWithRetry(deps: SaveRetryDeps, policy: SaveRetryPolicy = DEFAULT_SAVE_RETRY): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.save()
      return true
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      // Another instance may hold the session now: no later attempt may write it.
      const leaseLost = err instanceof SessionStoreError && err.code === 'SESSION_LEASE_LOST'
      if (attempt >= policy.attempts || leaseLost) {
        deps.log.error({ err: { message: reason }, attempts: attempt }, 'could not save the session; giving up: the next start may need a new sign-in')
        return false
      }
      const delayMs = policy.firstDelayMs * 2 ** (attempt - 1)
      deps.log.warn({ err: { message: reason }, attempt, retryInMs: delayMs }, 'could not save the session; retrying')
      await deps.sleep(delayMs)
    }
  }
}
