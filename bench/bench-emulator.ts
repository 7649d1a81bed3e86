/**
 * The benchmarks' Telegram: `emulator-process.ts` in a process of its own (its CPU and memory
 * are not the measured process's), and one account signed in on it with mtcute.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MemoryStorage } from '@mtcute/core'
import { TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'


export interface Dc { host: string; port: number; dcId: number; publicKeyPem: string; now: number }

export interface EmulatorProcess {
  dc: Dc
  child: ChildProcess
  /** Sends `counters`, `flood` or `reset` and returns the answer line, parsed. */
  ask<T = Record<string, number>>(line: string): Promise<T>
  stop(): void
}

/** `flood`: the sandbox's flood control, on the bench's faster clock (bench/scaled-clock.ts). */
export async function startEmulatorProcess(
  world: { channels: number; perChannel: number; latencyMs: number; flood?: { originMs: number; scale: number } },
  env: Record<string, string> = {},
): Promise<EmulatorProcess> {
  const script = fileURLToPath(new URL('./emulator-process.ts', import.meta.url))
  const args = [String(world.channels), String(world.perChannel), String(world.latencyMs)]
  if (world.flood) args.push(String(world.flood.originMs), String(world.flood.scale))
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const next = async (): Promise<string> => {
    const r = await lines.next()
    if (r.done) throw new Error('the emulator process exited')
    return r.value
  }
  const first = await next()
  return {
    dc: JSON.parse(first) as Dc,
    child,
    ask: async <T>(line: string) => {
      child.stdin!.write(line + '\n')
      return JSON.parse(await next()) as T
    },
    stop: () => {
      child.kill('SIGTERM')
    },
  }
}

/** Signs a phone in with the emulator's code and returns the mtcute session string. */
export async function signInOnce(dc: Dc): Promise<string> {
  addPublicKey(new NodeCryptoProvider(), dc.publicKeyPem)
  const address = { id: dc.dcId, ipAddress: dc.host, port: dc.port }
  const tg = new TelegramClient({ apiId: 1, apiHash: 'bench', storage: new MemoryStorage(), defaultDcs: { main: address, media: { ...address, mediaOnly: true } }, logLevel: 0 })
  const sent = await tg.sendCode({ phone: '+15550001111' })
  if (!('phoneCodeHash' in sent)) throw new Error('sendCode did not ask for a code')
  await tg.signIn({ phone: '+15550001111', phoneCodeHash: sent.phoneCodeHash, phoneCode: '12345' })
  const session = await tg.exportSession()
  await tg.destroy()
  return session
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
