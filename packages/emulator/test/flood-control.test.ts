/**
 * The emulator's flood control (src/emulator/flood-control.ts) through its dispatcher, on a
 * clock the test moves: a token bucket per account and method, FLOOD_WAIT past it, the seconds
 * left for calls during a wait (and a longer wait when early calls extend it), '*' for every
 * method but auth.* and help.*, and counters of waits and calls during waits.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FloodControl, parseRateRule, type RateRule } from '../src/flood-control.ts'
import type { FloodSemantics } from '../src/flood-semantics.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { makeEmulator, rpcError, signIn } from './rpc-fixture.ts'

const getState = { _: 'updates.getState' }
const getConfig = { _: 'help.getConfig' }

test('a burst is answered, the next call waits the penalty, and the bucket refills at its rate', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const flood = emu.dispatcher.floodControl
  flood.setRate('updates.getState', { burst: 3, perSecond: 0.5, penaltySeconds: 15 })
  for (let i = 0; i < 3; i++) assert.equal(((await emu.call(getState)) as TlObject)._, 'updates.state')
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_15'))
  assert.equal(flood.counters.waits('updates.getState'), 1)
  assert.equal(flood.counters.callsDuringWait('updates.getState'), 0)

  // During the wait: the seconds left, rounded up, and the call is counted.
  emu.advance(10_500)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_5'))
  assert.equal(flood.counters.callsDuringWait('updates.getState'), 1)

  // After it: 15 s at 0.5/s refilled the whole burst (7.5 tokens, capped at 3).
  emu.advance(4_500)
  for (let i = 0; i < 3; i++) assert.equal(((await emu.call(getState)) as TlObject)._, 'updates.state')
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_15'))
  // Past the burst, the rate: 15 s, then 2 s more at 0.5/s is exactly one call.
  emu.advance(15_000)
  for (let i = 0; i < 3; i++) await emu.call(getState)
  emu.advance(2_000)
  assert.equal(((await emu.call(getState)) as TlObject)._, 'updates.state')
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_15'))
  assert.deepEqual(flood.counters.toJSON(), { 'updates.getState': { waits: 3, callsDuringWait: 1, callsInFlightAtWait: 0 } })
})

test('with extendWaitOnEarlyCalls a call during the wait restarts the penalty', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const flood = emu.dispatcher.floodControl
  flood.extendWaitOnEarlyCalls = true
  flood.setRate('updates.getState', { burst: 1, perSecond: 1, penaltySeconds: 10 })
  await emu.call(getState)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_10'))
  emu.advance(9_000)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_10'))
  emu.advance(9_000)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_10'))
  emu.advance(10_000)
  assert.equal(((await emu.call(getState)) as TlObject)._, 'updates.state')
  assert.equal(flood.counters.waits('updates.getState'), 1)
  assert.equal(flood.counters.callsDuringWait('updates.getState'), 2)
})

test('buckets are per account: another signed-in user has a full burst of its own', async () => {
  const emu = makeEmulator()
  await signIn(emu, 1n, '+15550001111')
  await signIn(emu, 2n, '+15550002222')
  emu.dispatcher.floodControl.setRate('updates.getState', { burst: 1, perSecond: 0.1, penaltySeconds: 30 })
  await emu.call(getState, 1n)
  await assert.rejects(emu.call(getState, 1n), rpcError(420, 'FLOOD_WAIT_30'))
  assert.equal(((await emu.call(getState, 2n)) as TlObject)._, 'updates.state')
})

test('buckets are per method, and a method rule overrides the \'*\' rule', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const flood = emu.dispatcher.floodControl
  flood.setRate('*', { burst: 1, perSecond: 0.1, penaltySeconds: 20 })
  flood.setRate('updates.getState', { burst: 2, perSecond: 0.1, penaltySeconds: 5 })
  const getDialogs = { _: 'messages.getDialogs', offset_date: 0, offset_id: 0, offset_peer: { _: 'inputPeerEmpty' }, limit: 10, hash: 0n }
  await emu.call(getDialogs)
  await assert.rejects(emu.call(getDialogs), rpcError(420, 'FLOOD_WAIT_20'))
  await emu.call(getState)
  await emu.call(getState)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_5'))
})

test("'*' leaves auth.* and help.* alone: signing in and connecting are never refused by it", async () => {
  const emu = makeEmulator()
  emu.dispatcher.floodControl.setRate('*', { burst: 1, perSecond: 0.01, penaltySeconds: 60 })
  for (let i = 0; i < 5; i++) assert.equal(((await emu.call(getConfig)) as TlObject)._, 'config')
  await signIn(emu)
  await signIn(emu, 3n, '+15550003333')
  assert.equal(emu.dispatcher.floodControl.counters.totalWaits, 0)
})

test('a signed-out auth key is limited as itself, and by name of auth.* methods when they have a rule', async () => {
  const emu = makeEmulator()
  emu.dispatcher.floodControl.setRate('auth.sendCode', { burst: 2, perSecond: 0.001, penaltySeconds: 600 })
  const sendCode = (phone: string) => ({ _: 'auth.sendCode', phone_number: phone, api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } })
  await emu.call(sendCode('+15550001111'), 5n)
  await emu.call(sendCode('+15550001111'), 5n)
  await assert.rejects(emu.call(sendCode('+15550001111'), 5n), rpcError(420, 'FLOOD_WAIT_600'))
  // Another key is another account until it signs in.
  await emu.call(sendCode('+15550001111'), 6n)
})

test('clearRates lifts the limits and forgets the buckets; reset zeroes the counters', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  const flood = emu.dispatcher.floodControl
  flood.setRate('updates.getState', { burst: 1, perSecond: 0.1, penaltySeconds: 9 })
  await emu.call(getState)
  await assert.rejects(emu.call(getState), rpcError(420, 'FLOOD_WAIT_9'))
  flood.clearRates()
  await emu.call(getState)
  assert.equal(flood.counters.totalWaits, 1)
  flood.counters.reset()
  assert.equal(flood.counters.totalWaits, 0)
  assert.deepEqual(flood.rates, [])
})

test('--rate METHOD:BURST:PER_SECOND:PENALTY parses, and anything else is refused', () => {
  assert.deepEqual(parseRateRule('messages.getHistory:30:1:15'), { method: 'messages.getHistory', burst: 30, perSecond: 1, penaltySeconds: 15 })
  assert.deepEqual(parseRateRule('*:50:0.5:10'), { method: '*', burst: 50, perSecond: 0.5, penaltySeconds: 10 })
  for (const bad of ['messages.getHistory:30:1', 'x:0:1:1', 'x:1:0:1', 'x:1:1:0', 'x:1.5:1:1', 'x:1:1:1.5', 'x::1:1', 'bad name:1:1:1', 'x:1:1:1:bad group', 'x:1:1:1:g:1']) {
    assert.equal(parseRateRule(bad), null, bad)
  }
})

/** A FloodControl on a clock the test sets, and one account's calls of `method`: null when admitted, else the FLOOD_WAIT text. */
function bucket(rules: RateRule[], semantics: Partial<FloodSemantics>): { at(ms: number): void; call(method?: string): string | null; flood: FloodControl } {
  let now = 0
  const flood = new FloodControl(() => now, rules, semantics)
  return {
    flood,
    at: (ms) => (now = ms),
    call: (method = 'updates.getState') => {
      const refusal = flood.admit('a', method)
      if (refusal === null) return null
      flood.answered(refusal)
      return refusal.message.replace(/^420 /, '')
    },
  }
}

const STATE: RateRule = { method: 'updates.getState', burst: 2, perSecond: 1, penaltySeconds: 10 }

test("refill 'after-wait': a call as the wait ends finds the bucket empty; 'during-wait': it finds what 10 s refilled", () => {
  for (const refill of ['during-wait', 'after-wait'] as const) {
    const b = bucket([STATE], { refill })
    b.call()
    b.call()
    assert.equal(b.call(), 'FLOOD_WAIT_10')
    b.at(10_000)
    assert.equal(b.call(), refill === 'during-wait' ? null : 'FLOOD_WAIT_10', refill)
  }
  const after = bucket([STATE], { refill: 'after-wait' })
  after.call()
  after.call()
  after.call()
  after.at(11_000)
  assert.equal(after.call(), null, 'one second after the wait: one token')
  assert.equal(after.call(), 'FLOOD_WAIT_10')
})

test("waitLength 'growing' doubles a wait that starts within one penalty of the last one's end, up to 8×; 'jittered' is seeded", () => {
  const b = bucket([STATE], { refill: 'after-wait', waitLength: 'growing' })
  b.call()
  b.call()
  const waits = [b.call()]
  for (const at of [10_000, 30_000, 70_000, 150_000, 230_000]) {
    b.at(at)
    waits.push(b.call())
  }
  assert.deepEqual(waits, ['FLOOD_WAIT_10', 'FLOOD_WAIT_20', 'FLOOD_WAIT_40', 'FLOOD_WAIT_80', 'FLOOD_WAIT_80', 'FLOOD_WAIT_80'])
  b.at(230_000 + 80_000 + 10_000)
  assert.equal(b.call(), null)
  b.at(230_000 + 80_000 + 10_000 + 60_000)
  b.call()
  b.call()
  assert.equal(b.call(), 'FLOOD_WAIT_10', 'a wait long after the last is the penalty again')

  const lengths = (seed: number): Array<string | null> => {
    const j = bucket([STATE], { waitLength: 'jittered', jitter: 0.3, seed })
    j.call()
    j.call()
    const seen = [j.call()]
    for (let i = 1; i <= 4; i++) {
      j.at(i * 100_000)
      j.call()
      j.call()
      seen.push(j.call())
    }
    return seen
  }
  assert.deepEqual(lengths(5), lengths(5))
  assert.notDeepEqual(lengths(5), lengths(6))
  for (const text of lengths(5)) assert.ok(Number(text!.slice(11)) >= 7 && Number(text!.slice(11)) <= 13, text!)
})

test('rules that name one group spend one bucket, each method with waits of its own', () => {
  const b = bucket([{ ...STATE, group: 'g' }, { ...STATE, method: 'messages.getDialogs', group: 'g' }], {})
  assert.equal(b.call(), null)
  assert.equal(b.call('messages.getDialogs'), null)
  assert.equal(b.call('messages.getDialogs'), 'FLOOD_WAIT_10')
  // updates.getState is not in a wait, but the shared bucket is empty.
  assert.equal(b.call(), 'FLOOD_WAIT_10')
  assert.deepEqual(b.flood.counters.toJSON(), {
    'messages.getDialogs': { waits: 1, callsDuringWait: 0, callsInFlightAtWait: 0 },
    'updates.getState': { waits: 1, callsDuringWait: 0, callsInFlightAtWait: 0 },
  })
})

test('a limit changed mid-read keeps what the bucket holds and refills at the new rate from then; a scheduled change applies when its time comes', () => {
  const b = bucket([{ ...STATE, burst: 10 }], {})
  for (let i = 0; i < 10; i++) b.call()
  b.flood.scheduleRate(5_000, { ...STATE, burst: 10, perSecond: 0.5 })
  b.at(4_000)
  for (let i = 0; i < 4; i++) assert.equal(b.call(), null, 'four seconds at 1/s')
  // At 5 s: one more token at the old rate, then 0.5/s.
  b.at(9_000)
  assert.equal(b.call(), null)
  assert.equal(b.call(), null)
  assert.equal(b.call(), null)
  assert.equal(b.call(), 'FLOOD_WAIT_10')
})

test('a call that arrives during a wait before its refusal went out was in flight; after it, it was sent during the wait', () => {
  let now = 0
  const flood = new FloodControl(() => now, [STATE])
  flood.admit('a', STATE.method)
  flood.admit('a', STATE.method)
  const wall = flood.admit('a', STATE.method)!
  assert.ok(flood.admit('a', STATE.method) !== null)
  flood.answered(wall)
  now = 1_000
  assert.ok(flood.admit('a', STATE.method) !== null)
  assert.deepEqual(flood.counters.toJSON(), { 'updates.getState': { waits: 1, callsDuringWait: 1, callsInFlightAtWait: 1 } })
})

test('a call sent (by its msg_id) before a refusal went out, arriving after it, could not know of the wait; one sent after could', () => {
  let now = 0
  let wall = 5_000
  const flood = new FloodControl(() => now, [STATE], {}, () => wall)
  flood.admit('a', STATE.method, 4_000)
  flood.admit('a', STATE.method, 4_000)
  flood.answered(flood.admit('a', STATE.method, 4_000)!)
  wall = 5_030
  now = 30
  assert.ok(flood.admit('a', STATE.method, 4_990) !== null, 'sent 10 ms before the refusal went out')
  assert.ok(flood.admit('a', STATE.method, 5_020) !== null, 'sent 20 ms after')
  assert.deepEqual(flood.counters.toJSON(), { 'updates.getState': { waits: 1, callsDuringWait: 1, callsInFlightAtWait: 1 } })
})
