/**
 * The account's flood gate (src/telegram/calls/flood-gate.ts) and its pacer, on a manual clock: a wait
 * holds every caller of its method until it is over, callers that will not wait are refused with
 * the seconds left, calls overlap 2, then 4 while a method has met no wait and one at a time after
 * its first, and the pace comes from what the waits taught. (End to end, against every flood
 * semantics of the emulator: test/http/flood-semantics.test.ts.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../src/core/errors.ts'
import { FloodGate, type GatePass } from '../../src/telegram/calls/flood-gate.ts'
import { FloodPacer } from '../../src/telegram/calls/flood-pacer.ts'
import { fittingRates } from '../../src/telegram/calls/flood-bounds.ts'
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

test('while a method has met no wait its calls overlap 2, then 4 as they come back; after its first wait, one at a time', async () => {
  const clock = new ManualClock(T0)
  const gate = new FloodGate({ clock, maxConcurrency: 4 })
  const granted: GatePass[] = []
  for (let i = 0; i < 12; i++) void gate.acquire(METHOD, patient).then((p) => granted.push(p))
  const turn = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await settle()
  }
  await turn()
  assert.equal(granted.length, 2, 'two at once to begin with')
  granted[0]!.done()
  await turn()
  assert.equal(granted.length, 5, 'one call came back: four in flight')
  granted[1]!.done()
  await turn()
  assert.equal(granted.length, 6, 'at most four')
  // A wait: the calls in flight report it, none more is sent.
  for (const pass of granted.slice(2)) pass.done(10)
  await turn()
  assert.equal(granted.length, 6)
  clock.advance(60_000)
  await turn()
  assert.equal(granted.length, 7, 'one call at a time after the first wait')
})

test('the first wait teaches the burst; after it calls start slowly from an empty bucket of our own, never right as the wait ends', async () => {
  const pacer = new FloodPacer()
  for (let i = 0; i < 30; i++) pacer.admitted(T0)
  pacer.wall(T0, 15_000)
  assert.equal(pacer.burst, 30)
  assert.equal(pacer.learned, false)
  // A third of a burst per wait: 30 / 3 / 15 s.
  assert.ok(Math.abs(pacer.pace! - 2 / 3) < 1e-9, String(pacer.pace))
  assert.equal(pacer.delay(T0 + 15_000), 1500, 'the first call waits one pace interval past the end of the wait')
  assert.ok(pacer.delay(T0 + 1_000) > 15_000, 'nothing during the wait')
})

test('a wait met with no call let through since the last halves the pace (multiplicative backoff), and again', () => {
  const pacer = new FloodPacer()
  for (let i = 0; i < 10; i++) pacer.admitted(T0)
  pacer.wall(T0, 10_000)
  const start = pacer.pace!
  pacer.wall(T0 + 11_000, 10_000)
  assert.ok(Math.abs(pacer.pace! - start / 2) < 1e-12)
  pacer.wall(T0 + 22_000, 10_000)
  assert.ok(Math.abs(pacer.pace! - start / 4) < 1e-12)
  assert.equal(pacer.learned, false)
})

/** Calls sent every `everyMs` from `fromMs` while a bucket (burst, rate) would admit them; the time the first refused one was sent. */
function drive(burst: number, perSecond: number, startTokens: number, fromMs: number, everyMs: number): { admitted: number[]; wallAt: number } {
  let tokens = startTokens
  let at = fromMs
  const admitted: number[] = []
  for (let t = fromMs; ; t += everyMs) {
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond)
    at = t
    if (tokens < 1) return { admitted, wallAt: t }
    tokens -= 1
    admitted.push(t)
  }
}

test('the rates that fit two walls: each refill model brackets its own true rate, and a call admitted as a wait ends rules out refilling after it', () => {
  // Refills during the wait: 15 s at 1/s left 15 tokens; calls every 0.8 s from the wait's end.
  const during = drive(30, 1, 15, T0 + 15_000, 800)
  const fits = fittingRates({ wallAt: T0, waitEnd: T0 + 15_000, admitted: during.admitted, nextWallAt: during.wallAt, burst: 30 })
  const fitDuring = fits.find((fit) => fit.refill === 'during-wait')!
  assert.ok(fitDuring.low <= 1 && fitDuring.high >= 1 && fitDuring.low > 0.9, JSON.stringify(fitDuring))
  // The first call went at the wait's end: an empty bucket then could not have admitted it.
  assert.equal(fits.find((fit) => fit.refill === 'after-wait'), undefined)

  // Refills only after: calls every 0.9 s from 0.9 s past the wait's end, at 1/s.
  const after = drive(30, 1, 0, T0 + 15_900, 900)
  const fitsAfter = fittingRates({ wallAt: T0, waitEnd: T0 + 15_000, admitted: after.admitted, nextWallAt: after.wallAt, burst: 30 })
  const fitAfter = fitsAfter.find((fit) => fit.refill === 'after-wait')!
  assert.ok(fitAfter.low <= 1 && fitAfter.high >= 1, JSON.stringify(fitAfter))
})

test('what the pacer learned survives a restart: the same pace, and its own bucket refilled for the time between', () => {
  const pacer = new FloodPacer()
  for (let i = 0; i < 30; i++) pacer.admitted(T0)
  pacer.wall(T0, 15_000)
  const saved = pacer.snapshot(T0 + 16_000)!
  const restored = FloodPacer.from(JSON.parse(JSON.stringify(saved)))
  assert.equal(restored.pace, pacer.pace)
  assert.equal(restored.burst, 30)
  // An hour later its own bucket is full: a burst goes at once.
  const later = T0 + 3_600_000
  assert.equal(restored.available(later), 30)
  assert.equal(new FloodPacer().snapshot(T0), null, 'nothing learned, nothing kept')
})
