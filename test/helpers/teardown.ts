/**
 * Cleanups that run in reverse of their registration, as resources are torn down in reverse of
 * their making: node:test runs `t.after` hooks in the order they were added, so a temporary
 * directory registered first would be removed while the sandbox and gateway made after it are
 * still writing into it. Every step runs even when one fails; the first failure is rethrown.
 */
import type { TestContext } from 'node:test'

export function teardown(t: TestContext): (cleanup: () => unknown) => void {
  const steps: (() => unknown)[] = []
  t.after(async () => {
    let failure: { error: unknown } | undefined
    for (const step of steps.reverse()) {
      try {
        await step()
      } catch (error) {
        failure ??= { error }
      }
    }
    if (failure) throw failure.error
  })
  return (cleanup) => {
    steps.push(cleanup)
  }
}
