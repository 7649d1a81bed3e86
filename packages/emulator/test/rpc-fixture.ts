import { Faults } from '../src/faults.ts'
import { Dispatcher, type RpcCall } from '../src/rpc/dispatcher.ts'
import { apiSchema } from '../src/tl/schemas.ts'
import { writeResult } from '../src/tl/tl-codec.ts'
import type { TlObject } from '../src/tl/tl-object.ts'
import { TlWriter } from '../src/tl/tl-writer.ts'
import { Accounts, type AccountsOptions } from '../src/world/accounts.ts'
import { generateWorld, type WorldOptions } from '../src/world/generate-world.ts'

/** A dispatcher over a small deterministic world, with a settable clock. */
export function makeEmulator(options: { world?: Partial<WorldOptions>; accounts?: Partial<AccountsOptions> } = {}) {
  const now = 1_751_000_000
  let clockMs = now * 1000
  const world = generateWorld({
    seed: 7,
    channels: 4,
    messagesPerChannel: 300,
    spanSeconds: 7 * 86400,
    now,
    discoverableChannels: 1,
    ...options.world,
  })
  const clock = () => clockMs
  const accounts = new Accounts({ seed: 7, clock, ...options.accounts })
  const faults = new Faults()
  const dispatcher = new Dispatcher({
    world,
    accounts,
    faults,
    clock,
    dc: () => ({ dcId: 2, host: '127.0.0.1', port: 40443 }),
    sleep: async () => {},
  })
  return {
    world,
    accounts,
    faults,
    dispatcher,
    now,
    advance(ms: number) {
      clockMs += ms
    },
    call(method: TlObject, authKeyId = 1n, layer = 227): Promise<unknown> {
      const call: RpcCall = { method, authKeyId, sessionId: 10n, layer, connectionId: 1 }
      return dispatcher.dispatch(call)
    },
  }
}

export type Emulator = ReturnType<typeof makeEmulator>

/** Signs `authKeyId` in through auth.sendCode + auth.signIn. */
export async function signIn(emu: Emulator, authKeyId = 1n, phone = '+15550001111'): Promise<TlObject> {
  const sent = (await emu.call({ _: 'auth.sendCode', phone_number: phone, api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } }, authKeyId)) as TlObject
  return (await emu.call(
    { _: 'auth.signIn', phone_number: phone, phone_code_hash: sent.phone_code_hash, phone_code: emu.accounts.lastCode(phone) },
    authKeyId,
  )) as TlObject
}

/** Throws if `value` cannot be written as the result of `method` in `layer` (a required field missing, an unknown constructor). */
export function encodeResult(layer: number, method: string, value: unknown): Buffer {
  const schema = apiSchema(layer)
  if (!schema) throw new Error(`layer ${layer} not available`)
  const w = new TlWriter()
  writeResult(schema, w, method, value)
  return w.finish()
}

/** An rpc error's code and text, for assert.rejects. */
export function rpcError(code: number, text: string) {
  return (error: unknown) => {
    const e = error as { code?: number; text?: string }
    if (e.code === code && e.text === text) return true
    throw new Error(`expected ${code} ${text}, got ${String(e.code)} ${String(e.text)} (${String(error)})`)
  }
}
