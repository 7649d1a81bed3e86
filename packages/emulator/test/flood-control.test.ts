/**
 * The emulator's flood control (src/emulator/flood-control.ts) through its dispatcher, on a
 * clock the test moves: a token bucket per account and method, FLOOD_WAIT past it, the seconds
 * left for calls during a wait (and a longer wait when early calls extend it), '*' for every
 * method but auth.* and help.*, and counters of waits and calls during waits.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRateRule } from '../src/flood-control.ts'
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
  assert.deepEqual(flood.counters.toJSON(), { 'updates.getState': { waits: 3, callsDuringWait: 1 } })
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
  for (const bad of ['messages.getHistory:30:1', 'x:0:1:1', 'x:1:0:1', 'x:1:1:0', 'x:1.5:1:1', 'x:1:1:1.5', 'x::1:1', 'bad name:1:1:1', 'x:1:1:1:1']) {
    assert.equal(parseRateRule(bad), null, bad)
  }
})
