/**
 * /messages reads a window to the end under every flood semantics the emulator models
 * (packages/emulator/src/flood-semantics.ts): the bucket refilling during a wait or only after it, early
 * calls extending a wait or not, fixed, jittered or growing waits, a bucket shared by a group of
 * methods, a limit that goes down mid-read — each enumerated, and seeded random combinations of
 * them and of the limit's numbers. Every read is checked whole and exact against the world, its
 * time against the floor its limit sets (the least time a client that knew the limit would
 * take: packages/emulator/src/flood-floor.ts), the waits met (at most 3 per method), and no call sent
 * during a wait. One manual clock runs everything (test/helpers/flood-read.ts): no real seconds.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type RateLimit, type RateRule, floorMs, type RateChange, EARLY_CALL_MODES, REFILL_MODES, WAIT_LENGTH_MODES, type FloodSemantics, Prng } from '@telegram-connector/emulator/testing'
import { HISTORY, setUpFloodRead, withTimeRunning, type FloodSetup } from '../helpers/flood-read.ts'

const DIALOGS = 'messages.getDialogs'
/** The goal: a read takes at most this multiple of its floor. */
const MAX_RATIO = 1.25

interface Case {
  name: string
  limit: RateLimit
  semantics: Partial<FloodSemantics>
  /** getDialogs and getHistory spend one bucket. */
  shared?: boolean
}

const LIMIT: RateLimit = { burst: 10, perSecond: 0.5, penaltySeconds: 10 }

const ENUMERATED: Case[] = [
  { name: 'refills during a wait, early calls ignored, fixed waits', limit: LIMIT, semantics: { refill: 'during-wait', earlyCalls: 'ignored', waitLength: 'fixed' } },
  { name: 'refills only after a wait', limit: LIMIT, semantics: { refill: 'after-wait', earlyCalls: 'ignored', waitLength: 'fixed' } },
  { name: 'early calls extend a wait', limit: LIMIT, semantics: { refill: 'during-wait', earlyCalls: 'extend', waitLength: 'fixed' } },
  { name: 'jittered waits', limit: LIMIT, semantics: { refill: 'during-wait', earlyCalls: 'ignored', waitLength: 'jittered', seed: 3 } },
  { name: 'waits that grow when they follow closely, refilling only after them, extended by early calls', limit: LIMIT, semantics: { refill: 'after-wait', earlyCalls: 'extend', waitLength: 'growing' } },
  { name: 'one bucket shared by getDialogs and getHistory', limit: LIMIT, semantics: { refill: 'during-wait', waitLength: 'fixed' }, shared: true },
  { name: 'the sandbox\'s shape (burst 30, 1/s, 15 s waits), refilling only after a wait', limit: { burst: 30, perSecond: 1, penaltySeconds: 15 }, semantics: { refill: 'after-wait', earlyCalls: 'extend' } },
]

/** Seeded random combinations of every knob, and of the limit's numbers within the family. */
function randomCases(count: number): Case[] {
  return Array.from({ length: count }, (_, i) => {
    const seed = 1000 + i
    const random = new Prng(seed)
    const pick = <T>(values: readonly T[]): T => values[random.int(0, values.length - 1)]!
    const burst = random.int(8, 20)
    const perSecond = pick([0.5, 0.75])
    // A wait refills between a third of the burst and all of it.
    const penaltySeconds = Math.max(2, Math.round((burst * (0.35 + 0.6 * random.float())) / perSecond))
    const semantics: Partial<FloodSemantics> = { refill: pick(REFILL_MODES), earlyCalls: pick(EARLY_CALL_MODES), waitLength: pick(WAIT_LENGTH_MODES), seed }
    return { name: `random #${seed}: ${JSON.stringify({ burst, perSecond, penaltySeconds, ...semantics })}`, limit: { burst, perSecond, penaltySeconds }, semantics, shared: random.chance(0.3) }
  })
}

function rules(c: Case): RateRule[] {
  const history: RateRule = { method: HISTORY, ...c.limit, ...(c.shared ? { group: 'reads' } : {}) }
  return c.shared ? [history, { ...history, method: DIALOGS }] : [history]
}

/**
 * A world whose window takes 200 s of the limit's rate past its burst, or 20 waits' worth if
 * longer (the first wait, which no client that does not know the limit escapes, costs up to one
 * wait of refill), over 5 channels.
 */
function worldFor(limit: RateLimit): { channels: number; perChannel: number } {
  const pages = limit.burst + Math.round(Math.max(200, 20 * limit.penaltySeconds) * limit.perSecond)
  return { channels: 5, perChannel: Math.ceil(pages / 5) * 100 - 50 }
}

/** Calls of `method` Telegram let through. */
function admitted(s: FloodSetup, method: string): number {
  const flood = s.emulator.floodControl.counters
  return s.emulator.faults.counters.get(method) - flood.waits(method) - flood.callsInFlightAtWait(method) - flood.callsDuringWait(method)
}

const keysOf = (messages: Array<{ id: number; peer_id: { channel_id: number } }>): string[] => messages.map((m) => `${m.peer_id.channel_id}:${m.id}`)

interface Read {
  elapsedMs: number
  floorMs: number
}

/** Reads the window once and checks it: whole, within the goal of its floor, at most 3 waits a method, no call during a wait. */
async function readAndCheck(s: FloodSetup, c: Case, changes: readonly RateChange[] = []): Promise<Read> {
  s.emulator.faults.counters.reset()
  s.emulator.floodControl.counters.reset()
  const startedAt = s.clock.now()
  const { status, text } = await withTimeRunning(s, (async () => {
    const response = await fetch(`${s.service.url}/messages?${s.query}`, { headers: { accept: 'application/x-ndjson' } })
    return { status: response.status, text: await response.text() }
  })())
  const elapsedMs = s.clock.now() - startedAt
  assert.equal(status, 200, text.slice(0, 300))
  assert.deepEqual(keysOf(text.trim().split('\n').map((line) => JSON.parse(line))), s.expected, 'the whole window, exactly')
  const calls = admitted(s, HISTORY) + (c.shared ? admitted(s, DIALOGS) : 0)
  const floor = floorMs(calls, c.limit, changes)
  const counters = s.emulator.floodControl.counters
  const report = `${(elapsedMs / 1000).toFixed(1)} s against a floor of ${(floor / 1000).toFixed(1)} s (×${(elapsedMs / floor).toFixed(3)}), waits ${JSON.stringify(counters.toJSON())}`
  assert.ok(floor > 100_000, `the window is long enough to measure: ${report}`)
  assert.ok(elapsedMs <= MAX_RATIO * floor, report)
  for (const method of [HISTORY, DIALOGS]) {
    assert.ok(counters.waits(method) <= 3, `${method}: ${report}`)
    assert.equal(counters.callsDuringWait(method), 0, `${method}: ${report}`)
  }
  return { elapsedMs, floorMs: floor }
}

for (const c of [...ENUMERATED, ...randomCases(4)]) {
  test(`the window is read whole, near its floor, under: ${c.name}`, async () => {
    const s = await setUpFloodRead({ ...worldFor(c.limit), rates: rules(c), semantics: c.semantics })
    try {
      await readAndCheck(s, c)
    } finally {
      await s.close()
    }
  })
}

test('a limit that goes down in the middle of a read: relearned from its first wait, the window still whole and near its floor', async () => {
  const c: Case = { name: 'change', limit: LIMIT, semantics: { refill: 'during-wait', earlyCalls: 'extend' } }
  const s = await setUpFloodRead({ ...worldFor(LIMIT), rates: rules(c), semantics: c.semantics })
  try {
    // A first read learns the limit.
    await readAndCheck(s, c)
    s.clock.advance(600_000)
    // The second: after 80 s, the rate falls to 60 %.
    const change: RateChange = { atMs: 80_000, perSecond: LIMIT.perSecond * 0.6 }
    s.emulator.floodControl.scheduleRate(s.clock.now() + change.atMs, { method: HISTORY, ...LIMIT, perSecond: change.perSecond })
    await readAndCheck(s, c, [change])
  } finally {
    await s.close()
  }
})

test('what was learned is kept with the session: after a restart the same window meets no wait and goes at the learned pace', async () => {
  const c: Case = { name: 'restart', limit: LIMIT, semantics: { refill: 'after-wait', earlyCalls: 'extend' } }
  const s = await setUpFloodRead({ ...worldFor(LIMIT), rates: rules(c), semantics: c.semantics })
  try {
    await readAndCheck(s, c)
    await s.service.restart()
    // Idle long enough for Telegram's bucket (and the one the service keeps of it) to be full again.
    s.clock.advance(600_000)
    await readAndCheck(s, c)
    assert.equal(s.emulator.floodControl.counters.waits(HISTORY), 0, 'no wall met to relearn the limit')
  } finally {
    await s.close()
  }
})
