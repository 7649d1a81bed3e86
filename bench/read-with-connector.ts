/**
 * One run of the service's own path: gateway + HTTP app, `GET /messages` for the window,
 * the body read as it streams. Prints {messages, bytes, ms, maxRssMiB}. With BENCH_CLOCK
 * ({originMs, scale}) the service's flood waits, pacing and keep-alives run on the bench's
 * faster clock (bench/scaled-clock.ts), as the emulator's flood control does.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { buildApp } from '../src/app.ts'
import { FileStore } from '../src/sessions/file-store.ts'
import { saveSessionRecord } from '../src/sessions/session-persistence.ts'
import { TelegramGateway } from '../src/telegram/gateway.ts'
import { limitHeapGrowth } from '../src/heap-growth.ts'
import { scaledClock } from './scaled-clock.ts'

// As src/main.ts does: this process stands in for the service's.
limitHeapGrowth()
const dc = JSON.parse(process.env.BENCH_DC!) as { host: string; port: number; dcId: number; publicKeyPem: string }
const { session, startIso, endIso } = JSON.parse(process.env.BENCH_RUN!) as { session: string; startIso: string; endIso: string }

const timing = process.env.BENCH_CLOCK ? (JSON.parse(process.env.BENCH_CLOCK) as { originMs: number; scale: number }) : undefined
const clock = timing ? scaledClock(timing.originMs, timing.scale) : undefined

const directory = await mkdtemp(join(tmpdir(), 'bench-'))
const store = new FileStore(join(directory, 'session'))
await saveSessionRecord(store, null, { version: 1, session, pendingSignIn: null })
// BENCH_LOG=info shows the service's log (on stderr), flood waits and the pace learned included.
const log = pino({ level: process.env.BENCH_LOG ?? 'silent' }, pino.destination(2))
const gateway = await TelegramGateway.open({
  store,
  telegram: { apiId: 1, apiHash: 'bench', dc: { host: dc.host, port: dc.port, id: dc.dcId }, publicKeyPem: dc.publicKeyPem },
  log,
  ...(clock ? { clock } : {}),
})
const app = await buildApp({ connector: gateway, sandbox: false, loggerInstance: log, ...(clock ? { clock } : {}) })
const url = await app.listen({ host: '127.0.0.1', port: 0 })

const started = performance.now()
const response = await fetch(`${url}/messages?start_time=${encodeURIComponent(startIso)}&end_time=${encodeURIComponent(endIso)}`, {
  headers: { accept: 'application/x-ndjson' },
})
if (response.status !== 200) throw new Error(`GET /messages answered ${response.status}: ${await response.text()}`)
let messages = 0
let bytes = 0
for await (const chunk of response.body!) {
  bytes += chunk.length
  for (const byte of chunk as Uint8Array) if (byte === 10) messages++
}
const ms = performance.now() - started

await app.close()
await gateway.close()
await rm(directory, { recursive: true, force: true })
process.stdout.write(JSON.stringify({ messages, bytes, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n')
process.exit(0)
