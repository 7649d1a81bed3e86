/**
 * The `startup` scenario: from process start to the first `GET /health` answer, for the
 * compiled service (`node dist/main.js`, built here first) signed in with its session in a
 * file and in S3 (s3rver on loopback), against an emulator in its own process. Each figure is
 * also a ratio against `node -e ''` spawned the same way and timed to its exit, measured in
 * the same round: the machine is shared, and only the ratio carries to another one. The
 * service run from source (`node src/main.ts`, what `npm start` does) and the compiled sandbox are shown
 * beside them.
 *
 *   BENCH_STARTUP_ROUNDS (5)
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../src/sessions/file-store.ts'
import { S3Store } from '../src/sessions/s3-store.ts'
import { saveSessionRecord } from '../src/sessions/session-persistence.ts'
import { S3RVER_CREDENTIALS, startS3rver } from '../test/helpers/s3rver.ts'
import { freePort } from '../test/helpers/service-process.ts'
import { median, signInOnce, startEmulatorProcess } from './bench-emulator.ts'
import { buildDist, serviceEnv, startService, telegramEnv } from './compiled-service.ts'

interface Case {
  name: string
  args: string[]
  env: Record<string, string>
  /** The time to beat, in ms. */
  target?: number
  /** The session is signed in: /health must say so. */
  signedIn: boolean
}

/** Spawn → exit of `node -e ''`: the floor every Node process pays. */
function timeBaseline(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node -e '' exited ${code}`))))
  })
}

/** Spawn → first /health answer, then SIGTERM and a clean exit. */
async function timeService(item: Case): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const service = await startService(item.name, item.args, serviceEnv(port, item.env), port)
  const elapsed = performance.now() - started
  service.child.kill('SIGTERM')
  const code = await service.exited
  const { answer } = service
  if (answer.status !== 200) throw new Error(`${item.name}: /health answered ${answer.status}: ${answer.body}`)
  if (item.signedIn && (JSON.parse(answer.body) as { authorized: boolean }).authorized !== true) throw new Error(`${item.name}: the session was not restored: ${answer.body}`)
  if (code !== 0) throw new Error(`${item.name}: exited ${code} after SIGTERM\n${service.stderr()}`)
  return elapsed
}

export async function benchStartup(): Promise<void> {
  const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 5)
  await buildDist()
  const directory = await mkdtemp(join(tmpdir(), 'bench-startup-'))
  const emulator = await startEmulatorProcess({ channels: 20, perChannel: 100, latencyMs: 0 })
  const s3 = await startS3rver(['bench'])
  try {
    const session = await signInOnce(emulator.dc)
    const record = { version: 1 as const, session, pendingSignIn: null }
    await saveSessionRecord(new FileStore(join(directory, 'session')), null, record)
    await saveSessionRecord(new S3Store({ bucket: 'bench', key: 'session', client: s3.client }), null, record)
    const telegram = await telegramEnv(emulator.dc, directory)
    const file = { ...telegram, SESSION_URL: `file:${join(directory, 'session')}` }
    const inS3 = {
      ...telegram,
      SESSION_URL: 's3://bench/session',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    }
    const compiled = ['dist/main.js']
    const cases: Case[] = [
      { name: 'compiled, session in a file', args: compiled, env: file, target: 1000, signedIn: true },
      { name: 'compiled, session in S3', args: compiled, env: inS3, target: 1500, signedIn: true },
      { name: 'from source, file', args: ['src/main.ts'], env: file, signedIn: true },
      { name: 'compiled, sandbox', args: compiled, env: { SESSION_URL: `file:${join(directory, 'sandbox-session')}` }, signedIn: false },
    ]
    // The sandbox's first start makes its server key; the measured starts reuse it, as every later start does.
    await timeService(cases[3]!)

    const baseline: number[] = []
    const times = cases.map(() => [] as number[])
    const ratios = cases.map(() => [] as number[])
    console.log(`startup: process start → first /health answer, ${ROUNDS} rounds`)
    for (let round = 0; round < ROUNDS; round++) {
      const floor = await timeBaseline()
      baseline.push(floor)
      const line: string[] = [`node -e '' ${floor.toFixed(0)} ms`]
      for (const [i, item] of cases.entries()) {
        const ms = await timeService(item)
        times[i]!.push(ms)
        ratios[i]!.push(ms / floor)
        line.push(`${item.name} ${ms.toFixed(0)} ms`)
      }
      console.log(`  round ${round + 1}: ${line.join(', ')}`)
    }
    console.log('')
    console.log(`${'start-up'.padEnd(30)} ${'median ms'.padStart(9)}   ${"× node -e ''".padStart(12)}   target`)
    console.log(`${"node -e ''".padEnd(30)} ${median(baseline).toFixed(0).padStart(9)}   ${'1.0'.padStart(12)}`)
    for (const [i, item] of cases.entries()) {
      const ms = median(times[i]!)
      const verdict = item.target === undefined ? '' : `≤ ${item.target} ms ${ms <= item.target ? 'met' : 'MISSED'}`
      console.log(`${item.name.padEnd(30)} ${ms.toFixed(0).padStart(9)}   ${median(ratios[i]!).toFixed(1).padStart(12)}   ${verdict}`)
    }
  } finally {
    emulator.stop()
    await s3.close()
    await rm(directory, { recursive: true, force: true })
  }
}
