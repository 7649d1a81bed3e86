/**
 * `npm run sign-in -- --qr`, compiled as the image runs it (`node dist/sign-in-cli.js --qr`), on
 * a pseudo-terminal (script(1)), against a test emulator whose account accepts every QR code as
 * soon as it is polled again — the phone app scanning it. The terminal must show the QR code
 * itself, and the process must leave a signed-in session; with two-step verification it asks
 * for the password on the same terminal, without echoing it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { runInTerminal, type ScriptRun } from '../helpers/service-process.ts'

const CLI = 'dist/sign-in-cli.js'
const PASSWORD = 'terminal secret'
let directory: string
const started: Emulator[] = []
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  directory = await mkdtemp(join(tmpdir(), 'tc-sign-in-qr-'))
})
after(async () => {
  for (const run of running) await run.stop()
  for (const emulator of started) await emulator.stop()
  await rm(directory, { recursive: true, force: true })
})

/** An emulator whose `phone` accepts each QR code at its next poll. */
async function scanningEmulator(name: string, phone: string, password?: string) {
  const emulator = await startEmulator({ qrAutoAccept: { phone, afterMs: 0 }, world: { seed: 16, channels: 1, messagesPerChannel: 5, spanSeconds: 3600, now: 1_750_000_000 } })
  started.push(emulator)
  if (password !== undefined) emulator.setTwoFactorPassword(phone, password, 'typed')
  const keyPath = join(directory, `${name}.pem`)
  await writeFile(keyPath, emulator.publicKeyPem)
  const sessionPath = join(directory, name, 'session')
  const env = {
    API_ID: '1',
    API_HASH: 'cli-test',
    TELEGRAM_DC: `${emulator.host}:${emulator.port}`,
    TELEGRAM_PUBLIC_KEY: keyPath,
    SESSION_URL: `file:${sessionPath}`,
  }
  return { emulator, env, store: new FileStore(sessionPath) }
}

/** The lines of a QR code drawn with half blocks (qrcode's small terminal renderer). */
function qrRows(screen: string): string[] {
  return screen.split(/\r?\n/).filter((line) => /^[ █▀▄]{20,}$/.test(line.replace(/\x1b\[[0-9;]*m/g, '')))
}

test('--qr draws the code on the terminal, waits for the scan and leaves a signed-in session', async () => {
  const { env, store } = await scanningEmulator('plain', '+15557100001')
  const run = runInTerminal([CLI, '--qr'], env)
  running.push(run)
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stdout())
  const screen = run.stdout()
  assert.ok(qrRows(screen).length >= 10, `a QR code on the screen:\n${screen}`)
  assert.match(screen, /Scan this QR code/)
  assert.match(screen, /^Signed in\. The session is saved in file:/m)
  const record = await loadSessionRecord(store, null)
  assert.ok(record.session)
  assert.equal(record.pendingSignIn, null)
})

test('--qr for an account with two-step verification asks for the password after the scan, unechoed', async () => {
  const { env, store } = await scanningEmulator('two-factor', '+15557100002', PASSWORD)
  const run = runInTerminal([CLI, '--qr'], env)
  running.push(run)
  await run.waitFor(/Two-step verification password \(hint: typed\): /, 60_000)
  run.type(`${PASSWORD}\r`)
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stdout())
  assert.ok(!run.stdout().includes(PASSWORD), 'the password is not echoed')
  assert.ok((await loadSessionRecord(store, null)).session)
})
