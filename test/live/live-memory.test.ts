/**
 * One GET /messages/live connection through 100 000 events keeps a flat heap: measured after a
 * full GC in a process of its own (test/helpers/live-soak.ts, run with --expose-gc), the whole
 * service and an emulator pushing edits over MTProto, read as raw HTTP. The first sample comes
 * once the feed's journal is full; from then on the heap may not grow by more than a few MB.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

const EVENTS = 100_000
const SAMPLES = 10
const FLAT_WITHIN_MIB = 5

test('one live connection through 100 000 events: heap after GC flat within a few MB', { timeout: 600_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', 'test/helpers/live-soak.ts', '1', String(EVENTS / SAMPLES), String(SAMPLES)], { maxBuffer: 1 << 20 })
  const samples = stdout.trim().split('\n').map((line) => JSON.parse(line) as { events: number; heapMiB: number })
  assert.equal(samples.length, SAMPLES)
  assert.ok(samples.at(-1)!.events >= EVENTS, `${samples.at(-1)!.events} events read`)
  const growth = samples.at(-1)!.heapMiB - samples[0]!.heapMiB
  assert.ok(growth < FLAT_WITHIN_MIB, `heap after GC grew ${growth.toFixed(2)} MiB from ${samples[0]!.events} to ${samples.at(-1)!.events} events: ${samples.map((s) => s.heapMiB).join(', ')}`)
})
