/**
 * Waits for a condition that asynchronous work makes true (a receiver has all its events, a
 * loop has come to rest in a retry), looking again every few milliseconds; fails with `what`
 * after `timeoutMs` so that a broken test ends with a reason instead of hanging.
 */
import { setTimeout as delay } from 'node:timers/promises'

export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await delay(5)
  }
}
