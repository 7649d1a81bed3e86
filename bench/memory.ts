/**
 * The `memory` scenario: the peak RSS of the service as production starts it (`node dist/main.js`,
 * built here first; bench/compiled-service.ts) reading 10 000 and 100 000 messages
 * (BENCH_CHANNELS channels × 200 and × 2 000, no latency, no flood control), each in a fresh
 * service process. The body is read here, in the bench's process, so that only the service's
 * memory is measured: its peak (VmHWM in /proc/<pid>/status, Linux) as the read ends, beside its
 * RSS once signed in and idle. Goal: at most 30 MB more for ten times the messages.
 *
 *   BENCH_CHANNELS (50), BENCH_MEMORY_ROUNDS (1), BENCH_NODE_ARGS (node's own flags for the service,
 *   e.g. `--heap-growing-percent=0` for V8's default heap growth; src/heap-growth.ts)
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../src/sessions/file-store.ts'
import { saveSessionRecord } from '../src/sessions/session-persistence.ts'
import { freePort } from '../test/helpers/service-process.ts'
import { median, signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { buildDist, serviceEnv, startService, telegramEnv } from './compiled-service.ts'
import { benchWindow } from './run-reader.ts'

interface MemoryRun { messages: number; ms: number; cpuS: number; idleMiB: number; peakMiB: number }

/** A figure of /proc/<pid>/status (VmRSS: now, VmHWM: the peak), in MiB. */
async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`)
  return Number(match[1]) / 1024
}

/** The CPU time of the whole process (all its threads, the GC's included), in seconds: utime + stime of /proc/<pid>/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may hold spaces; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // In clock ticks, which Linux reports at USER_HZ = 100 a second.
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** GET /messages as NDJSON, read to the end; the number of messages. */
function readMessages(port: number, window: { startIso: string; endIso: string }): Promise<number> {
  const path = `/messages?start_time=${encodeURIComponent(window.startIso)}&end_time=${encodeURIComponent(window.endIso)}`
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'application/x-ndjson' }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /messages answered ${res.statusCode}`))
      let lines = 0
      res.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
      })
      res.on('end', () => resolve(lines))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function measure(env: Record<string, string>, window: { startIso: string; endIso: string }, nodeArgs: string[]): Promise<MemoryRun> {
  const port = await freePort()
  const service = await startService('node dist/main.js', [...nodeArgs, 'dist/main.js'], serviceEnv(port, env), port)
  try {
    if ((JSON.parse(service.answer.body) as { authorized: boolean }).authorized !== true) throw new Error(`the session was not restored: ${service.answer.body}`)
    const pid = service.child.pid!
    const idleMiB = await statusMiB(pid, 'VmRSS')
    const cpuBefore = await cpuSeconds(pid)
    const started = performance.now()
    const messages = await readMessages(port, window)
    const ms = performance.now() - started
    return { messages, ms, cpuS: (await cpuSeconds(pid)) - cpuBefore, idleMiB, peakMiB: await statusMiB(pid, 'VmHWM') }
  } finally {
    service.child.kill('SIGTERM')
    await service.exited
  }
}

export async function benchMemory(): Promise<void> {
  const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 50)
  const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 1)
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')
  const sizes = [200, 2000]
  const peaks: number[][] = sizes.map(() => [])
  await buildDist()
  console.log(`memory: peak RSS of node dist/main.js reading ${CHANNELS} channels × ${sizes.join(' and × ')} messages, no latency, no flood control, ${ROUNDS} round(s)${nodeArgs.length > 0 ? `, node ${nodeArgs.join(' ')}` : ''}`)
  const directory = await mkdtemp(join(tmpdir(), 'bench-memory-'))
  try {
    for (const [i, perChannel] of sizes.entries()) {
      const emulator = await startEmulatorProcess({ channels: CHANNELS, perChannel, latencyMs: 0 })
      try {
        const sessionPath = join(directory, `session-${perChannel}`)
        await saveSessionRecord(new FileStore(sessionPath), null, { version: 1, session: await signInOnce(emulator.dc), pendingSignIn: null })
        const env = { ...(await telegramEnv(emulator.dc, directory)), SESSION_URL: `file:${sessionPath}` }
        for (let round = 0; round < ROUNDS; round++) {
          const run = await measure(env, benchWindow(emulator.dc), nodeArgs)
          peaks[i]!.push(run.peakMiB)
          console.log(`  ${run.messages} messages in ${(run.ms / 1000).toFixed(2)} s, ${run.cpuS.toFixed(2)} s of the service's CPU: RSS ${run.idleMiB.toFixed(0)} MiB idle, peak ${run.peakMiB.toFixed(0)} MiB`)
        }
      } finally {
        emulator.stop()
      }
    }
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
  const [small, large] = [median(peaks[0]!), median(peaks[1]!)]
  const growth = large - small
  console.log(`  10k → 100k messages: median peak RSS ${small.toFixed(0)} → ${large.toFixed(0)} MiB, +${growth.toFixed(0)} MiB (goal ≤ 30 MB: ${growth * 1.048576 <= 30 ? 'met' : 'MISSED'})`)
}
