import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DropConnectionSignal } from '../src/rpc/rpc-error.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { Dispatcher } from '../src/rpc/dispatcher.ts'
import { RpcCounters } from '../src/faults.ts'
import { makeEmulator, rpcError, signIn } from './rpc-fixture.ts'

const getConfig = { _: 'help.getConfig' }

test('FLOOD_WAIT on one method answers 420 for the given number of calls, then clears', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  emu.faults.floodWait('help.getConfig', 7, { times: 2 })
  await assert.rejects(emu.call(getConfig), rpcError(420, 'FLOOD_WAIT_7'))
  await assert.rejects(emu.call(getConfig), rpcError(420, 'FLOOD_WAIT_7'))
  assert.equal(((await emu.call(getConfig)) as TlObject)._, 'config')
  // Other methods were never affected.
  assert.equal(((await emu.call({ _: 'updates.getState' })) as TlObject)._, 'updates.state')
})

test("a '*' fault applies to every method until cleared", async () => {
  const emu = makeEmulator()
  emu.faults.floodWait('*', 3)
  await assert.rejects(emu.call(getConfig), rpcError(420, 'FLOOD_WAIT_3'))
  await assert.rejects(emu.call({ _: 'help.getNearestDc' }), rpcError(420, 'FLOOD_WAIT_3'))
  emu.faults.clear()
  assert.equal(((await emu.call(getConfig)) as TlObject)._, 'config')
})

test('an error fault answers any RPC error, such as 500 INTERNAL', async () => {
  const emu = makeEmulator()
  emu.faults.rpcError('help.getNearestDc', 500, 'INTERNAL', { times: 1 })
  await assert.rejects(emu.call({ _: 'help.getNearestDc' }), rpcError(500, 'INTERNAL'))
  assert.equal(((await emu.call({ _: 'help.getNearestDc' })) as TlObject)._, 'nearestDc')
})

test('a drop fault throws DropConnectionSignal once', async () => {
  const emu = makeEmulator()
  emu.faults.dropConnection('help.getConfig', { times: 1 })
  await assert.rejects(emu.call(getConfig), (error) => error instanceof DropConnectionSignal)
  assert.equal(((await emu.call(getConfig)) as TlObject)._, 'config')
})

test('latency waits through the injected sleep before answering', async () => {
  const emu = makeEmulator()
  const waits: number[] = []
  const dispatcher = new Dispatcher({
    world: emu.world,
    accounts: emu.accounts,
    faults: emu.faults,
    dc: { dcId: 2, host: '127.0.0.1', port: 1 },
    sleep: async (ms) => {
      waits.push(ms)
    },
  })
  emu.faults.latency('*', 250, { times: 1 })
  const call = { method: getConfig, authKeyId: 1n, sessionId: 1n, layer: 227, connectionId: 1 }
  await dispatcher.dispatch(call)
  await dispatcher.dispatch(call)
  assert.deepEqual(waits, [250])
})

test('counters count the RPCs per method, faulted ones included, and reset', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  emu.faults.counters.reset()
  emu.faults.floodWait('help.getConfig', 1, { times: 1 })
  await assert.rejects(emu.call(getConfig))
  await emu.call(getConfig)
  await emu.call({ _: 'updates.getState' })
  assert.equal(emu.faults.counters.get('help.getConfig'), 2)
  assert.equal(emu.faults.counters.get('updates.getState'), 1)
  assert.equal(emu.faults.counters.get('messages.getHistory'), 0)
  assert.equal(emu.faults.counters.total, 3)
  emu.faults.counters.reset()
  assert.equal(emu.faults.counters.total, 0)
})

test('counters track the calls of a method in flight and the most answered at once', async () => {
  const emu = makeEmulator()
  const release: Array<() => void> = []
  const dispatcher = new Dispatcher({
    world: emu.world,
    accounts: emu.accounts,
    faults: emu.faults,
    dc: { dcId: 2, host: '127.0.0.1', port: 1 },
    sleep: () => new Promise<void>((resolve) => release.push(resolve)),
  })
  const { counters } = emu.faults
  const call = { method: getConfig, authKeyId: 1n, sessionId: 1n, layer: 227, connectionId: 1 }
  emu.faults.latency('help.getConfig', 30)
  const first = dispatcher.dispatch(call)
  const second = dispatcher.dispatch(call)
  assert.deepEqual([counters.inFlight('help.getConfig'), counters.maxInFlight('help.getConfig')], [2, 2])
  release[0]()
  await first
  assert.deepEqual([counters.inFlight('help.getConfig'), counters.maxInFlight('help.getConfig')], [1, 2])
  // A reset forgets the maximum but not the call still being answered.
  counters.reset()
  assert.deepEqual([counters.inFlight('help.getConfig'), counters.maxInFlight('help.getConfig')], [1, 1])
  const third = dispatcher.dispatch(call)
  assert.deepEqual([counters.inFlight('help.getConfig'), counters.maxInFlight('help.getConfig')], [2, 2])
  release[1]()
  release[2]()
  await Promise.all([second, third])
  assert.equal(counters.inFlight('help.getConfig'), 0)
  assert.equal(counters.maxInFlight('help.getConfig'), 2)
  assert.equal(counters.maxInFlight('help.getNearestDc'), 0)

  // A call that fails is no longer in flight either.
  emu.faults.clear()
  emu.faults.floodWait('help.getNearestDc', 1, { times: 1 })
  await assert.rejects(dispatcher.dispatch({ ...call, method: { _: 'help.getNearestDc' } }), rpcError(420, 'FLOOD_WAIT_1'))
  assert.deepEqual([counters.inFlight('help.getNearestDc'), counters.maxInFlight('help.getNearestDc')], [0, 1])
})

test('counters keep the parameters of the latest calls per method, oldest first, faulted ones included', async () => {
  const emu = makeEmulator()
  await signIn(emu)
  emu.faults.counters.reset()
  const channel = emu.world.channels[0]
  const first: TlObject = {
    _: 'messages.getHistory',
    peer: { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash },
    offset_id: 0,
    offset_date: emu.now,
    add_offset: 0,
    limit: 5,
    max_id: 0,
    min_id: 0,
    hash: 0n,
  }
  const second: TlObject = { ...first, offset_id: 42, offset_date: 0 }
  await emu.call(first)
  emu.faults.floodWait('messages.getHistory', 3, { times: 1 })
  await assert.rejects(emu.call(second), rpcError(420, 'FLOOD_WAIT_3'))
  await emu.call(getConfig)
  assert.deepEqual(emu.faults.counters.recentCalls('messages.getHistory'), [first, second])
  assert.deepEqual(emu.faults.counters.recentCalls('help.getConfig'), [getConfig])
  assert.deepEqual(emu.faults.counters.recentCalls('messages.getDialogs'), [])
  emu.faults.counters.reset()
  assert.deepEqual(emu.faults.counters.recentCalls('messages.getHistory'), [])
})

test('counters keep a bounded number of recent calls per method and still count every call', () => {
  const counters = new RpcCounters()
  const kept = RpcCounters.RECENT_CALLS_KEPT
  for (let n = 0; n < kept + 5; n++) counters.start({ _: 'help.getConfig', n })()
  const recent = counters.recentCalls('help.getConfig')
  assert.equal(recent.length, kept)
  assert.deepEqual([recent[0].n, recent[kept - 1].n], [5, kept + 4])
  assert.equal(counters.get('help.getConfig'), kept + 5)
  assert.deepEqual(counters.toJSON(), { 'help.getConfig': kept + 5 })
})

test('an unknown method is INPUT_METHOD_INVALID with its name', async () => {
  const emu = makeEmulator()
  await assert.rejects(emu.call({ _: 'stickers.createStickerSet' }), rpcError(400, 'INPUT_METHOD_INVALID_stickers.createStickerSet'))
})

test('rotateSalts calls the hook the wire registered', () => {
  const emu = makeEmulator()
  let rotated = 0
  assert.throws(() => emu.faults.rotateSalts())
  emu.faults.onRotateSalts(() => rotated++)
  emu.faults.rotateSalts()
  assert.equal(rotated, 1)
})

test('a handler bug surfaces as 500 INTERNAL with the cause kept', async () => {
  const emu = makeEmulator()
  const dispatcher = new Dispatcher({
    world: emu.world,
    accounts: emu.accounts,
    dc: { dcId: 2, host: '127.0.0.1', port: 1 },
    handlers: { 'help.getConfig': { signedIn: false, run: () => { throw new TypeError('boom') } } },
  })
  await assert.rejects(dispatcher.dispatch({ method: getConfig, authKeyId: 1n, sessionId: 1n, layer: 227, connectionId: 1 }), (error: unknown) => {
    const e = error as { code: number; text: string; cause: unknown }
    return e.code === 500 && e.text === 'INTERNAL' && e.cause instanceof TypeError
  })
})
