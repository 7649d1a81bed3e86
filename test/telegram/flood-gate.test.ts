/**
 * The account's flood gate (src/telegram/flood-gate.ts) and its pacer, on a manual clock: a wait
 * holds every caller of its method until it is over, callers that will not wait are refused with
 * the seconds left, the pace comes from what two waits taught, and calls overlap only once a
 * method has shown no limit. (End to end, against the emulator's flood control:
 * test/http/flood-waits.test.ts.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../src/errors.ts'
import { FloodGate, type GatePass } from '../../src/telegram/flood-gate.ts'
import { FloodPacer } from '../../src/telegram/flood-pacer.ts'
import { ManualClock } from '../helpers/manual-clock.ts'

const T0 = 1_750_000_000_000
const METHOD = 'messages.getHistory'
const patient = { maxWaitSeconds: () => 300 }

/** Resolves on the next turn of the event loop, after the gate's promise callbacks ran. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('a flood wait holds every call of its method until it is over, and refuses callers that will not wait that long', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock })
  const pass = await gate.acquire(METHOD, patient)
  pass.done(20)
  assert.equal(gate.blockedFor(METHOD), 20_000)

  let granted = false
  const waiting = gate.acquire(METHOD, patient).then((p) => {
    granted = true
    return p
  })
  await assert.rejects(gate.acquire(METHOD, { maxWaitSeconds: () => 10 }), (err: unknown) =>
    err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 20)
  // Other methods are not held.
  ;(await gate.acquire('messages.getDialogs', { maxWaitSeconds: () => 0 })).done()

  clock.advance(19_999)
  await settle()
  assert.equal(granted, false)
  clock.advance(1)
  ;(await waiting).done()
  assert.equal(granted, true)
})

test('a caller whose patience grows (its response has started) waits where it was refused before', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock })
  ;(await gate.acquire(METHOD, patient)).done(30)
  let started = false
  await assert.rejects(gate.acquire(METHOD, { maxWaitSeconds: () => (started ? 300 : 10) }), AppError)
  started = true
  const waiting = gate.acquire(METHOD, { maxWaitSeconds: () => (started ? 300 : 10) })
  clock.advance(30_000)
  ;(await waiting).done()
})

test('an aborted wait rejects with the reason and lets the others through', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock })
  ;(await gate.acquire(METHOD, patient)).done(5)
  const controller = new AbortController()
  const gone = gate.acquire(METHOD, { ...patient, signal: controller.signal })
  const other = gate.acquire(METHOD, patient)
  controller.abort(new Error('client gone'))
  await assert.rejects(gone, /client gone/)
  clock.advance(5_000)
  ;(await other).done()
})

test('one call at a time while a method is new; several once it has gone the probe without a wait', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock, maxConcurrency: 3, probeCalls: 2 })
  const first = await gate.acquire(METHOD, patient)
  let second: GatePass | undefined
  const pending = gate.acquire(METHOD, patient).then((p) => (second = p))
  await settle()
  assert.equal(second, undefined, 'the second call waits for the first')
  first.done()
  await pending
  second!.done()
  // Two calls without a wait: now three may be in flight.
  const passes = await Promise.all([gate.acquire(METHOD, patient), gate.acquire(METHOD, patient), gate.acquire(METHOD, patient)])
  for (const p of passes) p.done()
})

test('after two waits the gate paces calls at a little under the rate Telegram let through', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock })
  const call = async (): Promise<GatePass> => gate.acquire(METHOD, patient)
  // A burst of 10, then a wall.
  for (let i = 0; i < 10; i++) (await call()).done()
  ;(await call()).done(10)
  clock.advance(10_000)
  // 10 s at 1 call/s refilled 10; the 11th meets the second wall.
  for (let i = 0; i < 10; i++) (await call()).done()
  ;(await call()).done(10)
  const learned = gate.describe(METHOD).ratePerSecond!
  assert.ok(learned > 0.75 && learned < 1, `learned ${learned}/s`)
  clock.advance(10_000)
  // Spend what the pacer thinks refilled during the wait; then each call waits 1/rate.
  const paced = async (): Promise<number> => {
    const next = gate.acquire(METHOD, patient)
    const got = await Promise.race([next, settle().then(() => null)])
    if (got !== null) {
      got.done()
      return 0
    }
    const waited = clock.nextWake! - clock.now()
    clock.advance(waited)
    ;(await next).done()
    return waited
  }
  while ((await paced()) === 0);
  for (let i = 0; i < 3; i++) {
    const waited = await paced()
    assert.ok(Math.abs(waited - 1000 / learned) <= 1, `waited ${waited} ms at ${learned}/s`)
  }
})

test('the pacer reads the rate off two walls, trusting a short interval less', () => {
  const pacer = new FloodPacer()
  for (let i = 0; i < 30; i++) pacer.admitted()
  pacer.wall(T0, 15_000)
  assert.equal(pacer.burst, 30)
  assert.equal(pacer.rate, null)
  assert.equal(pacer.delay(T0), 0, 'nothing is paced before a rate is known')
  for (let i = 0; i < 15; i++) pacer.admitted()
  pacer.wall(T0 + 15_000, 15_000)
  assert.ok(Math.abs(pacer.rate! - 0.87) < 1e-9, String(pacer.rate))
  for (let i = 0; i < 400; i++) pacer.admitted()
  pacer.wall(T0 + 15_000 + 400_000, 15_000)
  assert.ok(pacer.rate! > 0.96 && pacer.rate! < 0.97, String(pacer.rate))
  // Right after a wall the bucket is empty: one call waits 1/rate.
  assert.equal(pacer.delay(T0 + 415_000), Math.ceil(1000 / pacer.rate!))
})

test('a wait long enough to fill the bucket teaches the rate only from the calls past the burst', () => {
  const pacer = new FloodPacer()
  for (let i = 0; i < 4; i++) pacer.admitted()
  pacer.wall(T0, 60_000)
  // The 60 s wait refilled the whole burst of 4: those 4 and a wall right after say only that
  // the rate is at least 4 per 60 s (paced no slower than one call per 5 s).
  for (let i = 0; i < 4; i++) pacer.admitted()
  pacer.wall(T0 + 60_500, 60_000)
  assert.equal(pacer.rate, 0.2)
  assert.equal(pacer.burst, 4)
  // 4 from the full bucket, then 20 more over the 40 s past the wait: 0.5/s.
  for (let i = 0; i < 24; i++) pacer.admitted()
  pacer.wall(T0 + 60_500 + 60_000 + 40_000, 60_000)
  assert.ok(pacer.rate! > 0.4 && pacer.rate! < 0.5, String(pacer.rate))
})
