/**
 * No session bytes outside the session file. A process killed (SIGKILL) in mid-save leaves its
 * temporary file beside the session, holding the whole record; the service removes such files
 * when it starts, under the lease, and sign-out removes every copy (the `.revoked` copy and
 * temporary files). Real kills of a real saving process (test/helpers/save-loop.ts), then the
 * compiled service on the same directory, as the image runs it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { freePort, logLines, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

const SAVE_LOOP = fileURLToPath(new URL('../helpers/save-loop.ts', import.meta.url))
const KEY = 'ab'.repeat(32)
const TEMPORARY = /^\.session(?:\.[A-Za-z0-9_-]+)*\.[0-9a-f]{12}\.tmp$/

let directory: string
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  directory = await mkdtemp(join(tmpdir(), 'tc-leftovers-'))
})
after(async () => {
  for (const run of running) await run.stop()
  await rm(directory, { recursive: true, force: true })
})

/** A seeded generator (mulberry32), so that the kills fall at the same moments on every run. */
function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Starts the save loop, lets it save for `afterMs`, then kills it with SIGKILL. */
async function killDuringSaves(sessionPath: string, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, [SAVE_LOOP, sessionPath], {
    env: { PATH: process.env.PATH ?? '', SESSION_ENCRYPTION_KEY: KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`the save loop exited with ${code} before saving`)))
  })
  await new Promise((resolve) => setTimeout(resolve, afterMs))
  child.kill('SIGKILL')
  await exited
}

const leftovers = async (path: string): Promise<string[]> => (await readdir(path)).filter((name) => TEMPORARY.test(name))

test('temporary copies left by SIGKILLs during saves are removed when the service starts; sign-out removes every copy', async () => {
  const sessionDirectory = join(directory, 'killed')
  const sessionPath = join(sessionDirectory, 'session')
  const random = seeded(24)
  for (let kill = 0; kill < 16; kill++) await killDuringSaves(sessionPath, Math.floor(random() * 20))
  const left = await leftovers(sessionDirectory)
  assert.ok(left.length > 0, 'some kills fell in mid-save and left a temporary file')
  for (const name of left) {
    const bytes = await readFile(join(sessionDirectory, name))
    // Each holds (part of) an encrypted record: nothing in clear.
    assert.doesNotMatch(bytes.toString('utf8'), /"session"/)
  }

  const port = await freePort()
  const run = runCompiled('main.js', [], { LOG_LEVEL: 'info', PORT: String(port), SESSION_URL: `file:${sessionPath}`, SESSION_ENCRYPTION_KEY: KEY })
  running.push(run)
  await run.waitFor(/Server listening at/)
  const url = `http://127.0.0.1:${port}`
  assert.deepEqual(await leftovers(sessionDirectory), [], 'the start removed them')
  const removal = logLines(run.stdout()).find((line) => line.msg === 'removed temporary copies of the session left by an interrupted write')
  assert.equal(removal?.removed, left.length)

  const signIn = (body: unknown): Promise<Response> => fetch(`${url}/sign_in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  assert.equal((await signIn({ phone: '+15557005690' })).status, 206)
  assert.equal((await signIn({ phone: '+15557005690', password: '12345' })).status, 200)
  // A revoked login kept aside and a copy left since (a command killed while the service ran).
  await writeFile(`${sessionPath}.revoked`, 'an older login, kept aside', { mode: 0o600 })
  await writeFile(join(sessionDirectory, '.session.0123456789ab.tmp'), 'a copy of the session', { mode: 0o600 })
  assert.equal((await fetch(`${url}/sign_out`, { method: 'POST' })).status, 200)
  const remaining = (await readdir(sessionDirectory)).sort()
  assert.deepEqual(remaining.filter((name) => name.startsWith('.') || name.endsWith('.revoked')), [], `left: ${remaining.join(', ')}`)
  assert.equal((await (await fetch(`${url}/health`)).json() as { authorized: boolean }).authorized, false)
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 0, signal: null })
  assert.deepEqual(await leftovers(sessionDirectory), [])
})
