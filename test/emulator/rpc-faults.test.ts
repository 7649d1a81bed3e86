import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DropConnectionSignal } from '../../src/emulator/rpc/rpc-error.ts'
import type { TlObject } from '../../src/emulator/tl/tl-object.ts'
import { Dispatcher } from '../../src/emulator/rpc/dispatcher.ts'
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
