import { test } from 'node:test'
import assert from 'node:assert/strict'
import { saveWithRetry, DEFAULT_SAVE_RETRY, type SaveRetryLog } from '../../src/telegram/sign-in/save-with-retry.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { startHarness } from './gateway-fixture.ts'

interface Entry {
  level: 'warn' | 'error'
  obj: Record<string, unknown>
  msg: string | undefined
}

function recordingLog(): SaveRetryLog & { entries: Entry[] } {
  const entries: Entry[] = []
  return {
    entries,
    warn: (obj, msg) => entries.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  }
}

/** A save that fails `failures` times with a store error, then succeeds. */
function flakySave(failures: number): { save: () => Promise<void>, calls: () => number } {
  let calls = 0
  return {
    calls: () => calls,
    save: async () => {
      calls++
      if (calls <= failures) throw new SessionStoreError('STORE_UNAVAILABLE', `cannot write file:/data/session (EIO), attempt ${calls}`)
    },
  }
}

test('the default policy is five attempts starting 200 ms apart', () => {
  assert.deepEqual(DEFAULT_SAVE_RETRY, { attempts: 5, firstDelayMs: 200 })
})

test('a save that fails twice is retried after 200 and 400 ms and then succeeds, with one warning per failure', async () => {
  const sleeps: number[] = []
  const log = recordingLog()
  const flaky = flakySave(2)
  const saved = await saveWithRetry({ save: flaky.save, sleep: async (ms) => void sleeps.push(ms), log })
  assert.equal(saved, true)
  assert.equal(flaky.calls(), 3)
  assert.deepEqual(sleeps, [200, 400])
  assert.deepEqual(log.entries.map((e) => [e.level, e.obj.attempt, e.obj.retryInMs]), [['warn', 1, 200], ['warn', 2, 400]])
  // Only the error's message is logged, never the error object with its cause.
  assert.deepEqual(log.entries[0]!.obj.err, { message: 'cannot write file:/data/session (EIO), attempt 1' })
})

test('a save refused because the lease is lost is not retried', async () => {
  const sleeps: number[] = []
  const log = recordingLog()
  let calls = 0
  const saved = await saveWithRetry({
    save: async () => {
      calls++
      throw new SessionStoreError('SESSION_LEASE_LOST', 'the lease on the session at file:/data/session was lost')
    },
    sleep: async (ms) => void sleeps.push(ms),
    log,
  })
  assert.equal(saved, false)
  assert.equal(calls, 1)
  assert.deepEqual(sleeps, [])
  assert.deepEqual(log.entries.map((e) => [e.level, e.obj.attempts]), [['error', 1]])
})

test('a save that always fails is tried five times with doubling waits, then given up at error level', async () => {
  const sleeps: number[] = []
  const log = recordingLog()
  const flaky = flakySave(Infinity)
  const saved = await saveWithRetry({ save: flaky.save, sleep: async (ms) => void sleeps.push(ms), log })
  assert.equal(saved, false)
  assert.equal(flaky.calls(), 5)
  assert.deepEqual(sleeps, [200, 400, 800, 1600])
  assert.deepEqual(log.entries.map((e) => e.level), ['warn', 'warn', 'warn', 'warn', 'error'])
  const last = log.entries.at(-1)!
  assert.equal(last.obj.attempts, 5)
  assert.match(last.msg ?? '', /giving up/)
  assert.deepEqual(last.obj.err, { message: 'cannot write file:/data/session (EIO), attempt 5' })
})

test('a save that succeeds at once neither waits nor logs', async () => {
  const sleeps: number[] = []
  const log = recordingLog()
  assert.equal(await saveWithRetry({ save: async () => {}, sleep: async (ms) => void sleeps.push(ms), log }), true)
  assert.deepEqual(sleeps, [])
  assert.deepEqual(log.entries, [])
})

test('a custom policy sets the attempts and the first wait', async () => {
  const sleeps: number[] = []
  const saved = await saveWithRetry(
    { save: flakySave(Infinity).save, sleep: async (ms) => void sleeps.push(ms), log: recordingLog() },
    { attempts: 3, firstDelayMs: 50 },
  )
  assert.equal(saved, false)
  assert.deepEqual(sleeps, [50, 100])
})

test("the gateway's save, retried through it on a failing store, lands and is counted in session_saves_total by result", async () => {
  const harness = await startHarness()
  try {
    const base = harness.store()
    let failures = 2
    const store: BlobStore = {
      read: (name) => base.read(name),
      write: async (name, data) => {
        if (name === '' && failures-- > 0) throw new SessionStoreError('STORE_UNAVAILABLE', `cannot write ${base.describe()} (EIO)`)
        return base.write(name, data)
      },
      remove: (name) => base.remove(name),
      describe: () => base.describe(),
    }
    const metrics = createServiceMetrics({ processMetrics: false })
    const gateway = await harness.open(base, { store, metrics })
    const log = recordingLog()
    assert.equal(await saveWithRetry({ save: () => gateway.save(), sleep: async () => {}, log }), true)
    assert.equal(log.entries.length, 2)
    assert.notEqual(await base.read(''), null, 'the record is in the store')
    const text = await metrics.registry.metrics()
    assert.match(text, /^session_saves_total\{result="failed"\} 2$/m)
    assert.match(text, /^session_saves_total\{result="ok"\} 1$/m)
  } finally {
    await harness.close()
  }
})
