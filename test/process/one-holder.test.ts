/**
 * Two service processes never answer for one account at once, whatever the session store does.
 * The session lives in S3 (moto, which enforces conditional writes). Process A reaches it
 * through a TCP proxy that then hangs (accepts and never answers), slows down past the store's
 * deadline, or refuses; process B starts against S3 directly and waits for the lease. Both are
 * the compiled service against one emulator (API_ID set, TELEGRAM_DC), with a short lease
 * (SESSION_LEASE_TTL=6: renewed every 2 s, each store call given 1 s, given up 1 s before
 * expiry). The test polls GET /me on both throughout: the last 200 from A comes before the
 * first request B answers 200, and A exits on its own, saying why; and the emulator never holds
 * more connections at once than one process opens. SIGTERM ends a process whose
 * store hangs within the documented limit (20 s), with the short lease and with the default one.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.ts'
import { startMotoS3, type MotoS3Handle } from '../helpers/moto-s3.ts'
import { signInWithCode } from '../helpers/service.ts'
import { freePort, logLines, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

const BUCKET = 'sessions'
const LEASE_TTL_SECONDS = 6

interface Answer {
  sentAt: number
  answeredAt: number
  status: number | null
}

/** Polls GET /me every 50 ms until stopped; a refused connection or a timeout is status null. */
function pollMe(url: string): { answers: Answer[], stop(): Promise<void> } {
  const answers: Answer[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const sentAt = performance.now()
      const status = await fetch(`${url}/me`, { signal: AbortSignal.timeout(2000) }).then(async (response) => {
        await response.arrayBuffer()
        return response.status
      }, () => null)
      answers.push({ sentAt, answeredAt: performance.now(), status })
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return { answers, stop: async () => { stopped = true; await loop } }
}

describe('one account, two processes, a store that fails', () => {
  let directory = ''
  let emulator: Emulator
  let s3: MotoS3Handle
  let proxy: FaultProxy
  let keyPath = ''
  const running: ScriptRun[] = []
  let scenario = 0

  before(async () => {
    await ensureCompiledBuild()
    directory = await mkdtemp(join(tmpdir(), 'tc-one-holder-'))
    emulator = await startEmulator({ world: { seed: 24, channels: 2, messagesPerChannel: 10, spanSeconds: 86_400, now: Math.floor(Date.now() / 1000) } })
    keyPath = join(directory, 'emulator.pem')
    await writeFile(keyPath, emulator.publicKeyPem)
    s3 = await startMotoS3([BUCKET])
    proxy = await startFaultProxy(Number(new URL(s3.endpoint).port))
  })
  after(async () => {
    for (const run of running) await run.stop()
    await proxy?.close()
    await s3?.close()
    await emulator?.stop()
    await rm(directory, { recursive: true, force: true })
  })

  function env(sessionKey: string, endpoint: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
    return {
      LOG_LEVEL: 'info',
      PORT: String(port),
      API_ID: '1',
      API_HASH: 'emulator',
      TELEGRAM_DC: `${emulator.host}:${emulator.port}`,
      TELEGRAM_PUBLIC_KEY: keyPath,
      SESSION_URL: `s3://${BUCKET}/${sessionKey}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SESSION_LEASE_TTL: String(LEASE_TTL_SECONDS),
      ...extra,
    }
  }

  /** Process A, through the proxy, signed in; gives its run and URL. */
  async function startSignedIn(sessionKey: string, phone: string, extra: Record<string, string> = {}): Promise<{ run: ScriptRun, url: string }> {
    await proxy.set({ kind: 'pass' })
    const port = await freePort()
    const run = runCompiled('main.js', [], env(sessionKey, proxy.endpoint, port, extra))
    running.push(run)
    await run.waitFor(/Server listening at/)
    const url = `http://127.0.0.1:${port}`
    await signInWithCode(url, emulator, phone)
    assert.equal((await fetch(`${url}/me`)).status, 200)
    return { run, url }
  }

  const faults: Array<[string, Fault]> = [
    ['accepts connections and never answers', { kind: 'hang' }],
    ['answers later than the store\'s deadline', { kind: 'slow', delayMs: 1500 }],
    ['refuses connections', { kind: 'refuse' }],
  ]
  for (const [what, fault] of faults) {
    test(`a store proxy that ${what}: the first process stops before the second answers`, async (t) => {
      scenario++
      const sessionKey = `one-holder-${scenario}/session`
      const a = await startSignedIn(sessionKey, `+1555700571${scenario}`)
      const pollA = pollMe(a.url)
      const aloneConnections = emulator.dc(emulator.dcId).connections
      let mostConnections = 0
      const sampler = setInterval(() => {
        mostConnections = Math.max(mostConnections, emulator.dc(emulator.dcId).connections)
      }, 10)
      await proxy.set(fault)
      const faultAt = performance.now()
      const portB = await freePort()
      const b = runCompiled('main.js', [], env(sessionKey, s3.endpoint, portB, { SESSION_LOCK_WAIT: '60' }))
      running.push(b)
      const pollB = pollMe(`http://127.0.0.1:${portB}`)
      try {
        const exitA = await a.run.exited
        await b.waitFor(/Server listening at/)
        // B answers for the account a while longer.
        const deadline = performance.now() + 30_000
        while (pollB.answers.filter((answer) => answer.status === 200).length < 5) {
          assert.ok(performance.now() < deadline, 'the second process never answered /me')
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        await pollA.stop()
        await pollB.stop()
        clearInterval(sampler)
        t.diagnostic(`emulator connections: ${aloneConnections} with A alone, at most ${mostConnections} throughout`)

        assert.equal(exitA.code, 1)
        // From the emulator's side: never more connections than one process holds.
        assert.ok(aloneConnections >= 1)
        assert.ok(mostConnections <= aloneConnections, `${mostConnections} connections at once, ${aloneConnections} for one process`)
        const lost = logLines(a.run.stdout()).find((line) => line.code === 'SESSION_LEASE_LOST')
        assert.match(String(lost?.msg), /could not be renewed in time/)
        const lastA = Math.max(...pollA.answers.filter((answer) => answer.status === 200).map((answer) => answer.answeredAt))
        const firstB = Math.min(...pollB.answers.filter((answer) => answer.status === 200).map((answer) => answer.sentAt))
        assert.ok(lastA < firstB, `A answered 200 until ${Math.round(lastA - faultAt)} ms after the fault, B from ${Math.round(firstB - faultAt)} ms`)
        t.diagnostic(`after the fault: A's last 200 at ${Math.round(lastA - faultAt)} ms, B's first 200 at ${Math.round(firstB - faultAt)} ms`)
        // A gave up within the lease's life after its last renewal (it renews every 2 s).
        assert.ok(lastA - faultAt < LEASE_TTL_SECONDS * 1000, `${lastA - faultAt} ms`)
        assert.ok(logLines(b.stdout()).some((line) => String(line.msg).startsWith('took over a session lease')))
      } finally {
        clearInterval(sampler)
        await pollA.stop()
        await pollB.stop()
        b.signal('SIGTERM')
        await b.exited
        await proxy.set({ kind: 'pass' })
      }
    })
  }

  test('SIGTERM ends a process whose store hangs, within the shutdown limit', async () => {
    scenario++
    const a = await startSignedIn(`one-holder-${scenario}/session`, `+1555700572${scenario}`)
    await proxy.set({ kind: 'hang' })
    const signalledAt = performance.now()
    a.run.signal('SIGTERM')
    const exit = await a.run.exited
    const tookMs = performance.now() - signalledAt
    await proxy.set({ kind: 'pass' })
    const output = `stdout: ${a.run.stdout().slice(-3000)}\nstderr: ${a.run.stderr().slice(-1000)}`
    // The session could not be saved: said, and the exit status says so.
    assert.equal(exit.code, 1, output)
    assert.ok(tookMs < 20_000, `${tookMs} ms`)
    const lines = logLines(a.run.stdout())
    assert.ok(lines.some((line) => line.msg === 'shutting down'), output)
    assert.ok(lines.some((line) => line.level >= 50) || /lease .* was lost/.test(a.run.stderr()), `an error says what was not done\n${output}`)
  })

  test('SIGTERM with the default lease and a store that hangs: the process exits within the documented 20 s', async () => {
    scenario++
    // The default lease (30 s) gives up only 25 s after its last renewal: the shutdown's own limit ends it first.
    const a = await startSignedIn(`one-holder-${scenario}/session`, `+1555700573${scenario}`, { SESSION_LEASE_TTL: '30' })
    await proxy.set({ kind: 'hang' })
    const signalledAt = performance.now()
    a.run.signal('SIGTERM')
    const exit = await a.run.exited
    const tookMs = performance.now() - signalledAt
    await proxy.set({ kind: 'pass' })
    assert.equal(exit.code, 1)
    assert.ok(tookMs < 21_000, `${tookMs} ms`)
    const lines = logLines(a.run.stdout())
    assert.ok(lines.some((line) => line.msg === 'the shutdown did not finish in time; exiting without it' || line.code === 'SESSION_LEASE_LOST'), 'the log says why it stopped')
  })
})
