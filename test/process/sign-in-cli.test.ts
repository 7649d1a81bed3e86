/**
 * `npm run sign-in` (src/sign-in-cli.ts) as a real process with its answers piped to stdin,
 * compiled as the image runs it (`node dist/sign-in-cli.js`): against a test emulator reached
 * through TELEGRAM_DC / TELEGRAM_PUBLIC_KEY (with two-step verification, wrong answers
 * included), and in sandbox mode followed by the service itself on the same store, started
 * from source as `npm start` starts it. The session it leaves must sign the
 * service in with no login.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { acquireLease } from '../../src/sessions/lease.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { freePort, runCompiled, runScript, type ScriptRun } from '../helpers/service-process.ts'
import { startService } from '../helpers/service.ts'

const NOW = 1_750_000_000
const CODE = '24680'
const PASSWORD = ' pass phrase with spaces '

let emulator: Emulator
let directory: string
let keyPath: string
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  emulator = await startEmulator({ code: CODE, world: { seed: 13, channels: 2, messagesPerChannel: 20, spanSeconds: 86_400, now: NOW } })
  directory = await mkdtemp(join(tmpdir(), 'tc-sign-in-cli-'))
  keyPath = join(directory, 'emulator.pem')
  await writeFile(keyPath, emulator.publicKeyPem)
})
after(async () => {
  for (const run of running) await run.stop()
  await emulator?.stop()
  await rm(directory, { recursive: true, force: true })
})

function emulatorEnv(sessionPath: string): Record<string, string> {
  return {
    API_ID: '1',
    API_HASH: 'cli-test',
    TELEGRAM_DC: `${emulator.host}:${emulator.port}`,
    TELEGRAM_PUBLIC_KEY: keyPath,
    SESSION_URL: `file:${sessionPath}`,
  }
}

function signInCli(env: Record<string, string>, answers: string[] | null): ScriptRun {
  const run = runCompiled('sign-in-cli.js', [], env, answers === null ? undefined : answers.map((answer) => `${answer}\n`).join(''))
  running.push(run)
  return run
}

test('it asks for the phone, the code and the two-step password, accepts a second try at each, and leaves a signed-in session', async () => {
  const phone = '+15557006789'
  emulator.setTwoFactorPassword(phone.slice(1), PASSWORD, 'spaces')
  const sessionPath = join(directory, 'two-factor', 'session')
  const run = signInCli(emulatorEnv(sessionPath), [phone, '00000', CODE, 'not it', PASSWORD])
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr())
  const out = run.stdout()
  assert.match(out, /Phone number/)
  assert.match(out, /That code is not right\. Try again\./)
  assert.match(out, /two-step verification/)
  assert.match(out, /\(hint: spaces\)/)
  assert.match(out, /That password is wrong\. Try again\./)
  assert.match(out, /^Signed in\. The session is saved in file:.*two-factor\/session/m)
  assert.ok(!out.includes(PASSWORD.trim()) && !run.stderr().includes(PASSWORD.trim()), 'the password is never written out')

  const store = new FileStore(sessionPath)
  const record = await loadSessionRecord(store, null)
  assert.ok(record.session)
  assert.equal(record.pendingSignIn, null)
  // The service started on that store is signed in without a login.
  const sendCodes = emulator.faults.counters.get('auth.sendCode')
  const service = await startService({ sharedEmulator: emulator, store })
  try {
    assert.equal(((await (await fetch(`${service.url}/health`)).json()) as { authorized: boolean }).authorized, true)
    const start = new Date((NOW - 2 * 86_400) * 1000).toISOString()
    const response = await fetch(`${service.url}/messages?start_time=${start}&end_time=${new Date(NOW * 1000).toISOString()}`)
    assert.equal(response.status, 200)
    assert.ok(((await response.json()) as unknown[]).length > 0)
  } finally {
    await service.close()
  }
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes)

  // Run again on the signed-in store: nothing is asked.
  const again = signInCli(emulatorEnv(sessionPath), null)
  assert.deepEqual(await again.exited, { code: 0, signal: null }, again.stderr())
  assert.match(again.stdout(), /Already signed in/)
  assert.doesNotMatch(again.stdout(), /Phone number/)
  assert.equal(emulator.faults.counters.get('auth.sendCode'), sendCodes)
})

test('it refuses to run while another process holds the session, naming that process', async () => {
  const sessionPath = join(directory, 'locked', 'session')
  const lease = await acquireLease(new FileStore(sessionPath), { holder: 'connector-on-host-a:4242', ttlMs: 30_000, renewEveryMs: 10_000, wait: false })
  try {
    const run = signInCli(emulatorEnv(sessionPath), ['+15557006790'])
    assert.deepEqual(await run.exited, { code: 1, signal: null })
    assert.match(run.stderr(), /connector-on-host-a:4242/)
    assert.equal(run.stderr().trimEnd().split('\n').length, 1, run.stderr())
    assert.equal(run.stdout(), '')
  } finally {
    await lease.release()
  }
})

test('input that ends before the code is a cancelled sign-in: exit 130, the pending step kept in the store', async () => {
  const sessionPath = join(directory, 'cancelled', 'session')
  const run = signInCli(emulatorEnv(sessionPath), ['+15557006791'])
  assert.deepEqual(await run.exited, { code: 130, signal: null })
  assert.match(run.stderr(), /cancelled; not signed in/)
  const record = await loadSessionRecord(new FileStore(sessionPath), null)
  assert.equal(record.session, null)
  assert.equal(record.pendingSignIn?.step, 'code')
})

test('a wrong code three times gives up with one line and exit 1', async () => {
  const sessionPath = join(directory, 'wrong-code', 'session')
  const run = signInCli(emulatorEnv(sessionPath), ['+15557006792', '11111', '22222', '33333'])
  assert.deepEqual(await run.exited, { code: 1, signal: null })
  assert.match(run.stderr(), /That code is not right\. Gave up after 3 attempts; not signed in/)
  assert.equal((await loadSessionRecord(new FileStore(sessionPath), null)).session, null)
})

test('a flood wait from Telegram is one line saying how long to wait, and exit 1', async () => {
  const sessionPath = join(directory, 'flood', 'session')
  emulator.faults.floodWait('auth.sendCode', 420, { times: 1 })
  const run = signInCli(emulatorEnv(sessionPath), ['+15557006794'])
  assert.deepEqual(await run.exited, { code: 1, signal: null })
  assert.match(run.stderr(), /^sign-in: Telegram asks to wait 420 seconds before the next try \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); not signed in\./)
  assert.equal(run.stderr().trimEnd().split('\n').length, 1, run.stderr())
})

test('in sandbox mode it signs in to the built-in emulator, and the service started afterwards on that store is signed in', async () => {
  const sessionPath = join(directory, 'sandbox', 'session')
  const run = signInCli({ SESSION_URL: `file:${sessionPath}` }, ['+15557006793', '12345'])
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr())
  assert.match(run.stdout(), /Sandbox mode/)
  assert.match(run.stdout(), /^Signed in\./m)

  const port = await freePort()
  const service = runScript('src/main.ts', { SESSION_URL: `file:${sessionPath}`, PORT: String(port) })
  running.push(service)
  await service.waitFor(/Server listening at/)
  const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json() as { authorized: boolean, sandbox: boolean }
  assert.deepEqual({ authorized: health.authorized, sandbox: health.sandbox }, { authorized: true, sandbox: true })
  service.signal('SIGTERM')
  assert.deepEqual(await service.exited, { code: 0, signal: null })
})
