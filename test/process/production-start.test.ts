/**
 * A production process (API_ID set) never loads the emulator: src/telegram-target.ts imports
 * the sandbox, and with it src/emulator, only in sandbox mode. The process runs compiled, as
 * the image runs it (`node dist/main.js`), preloaded with a module resolution hook
 * (test/helpers/loaded-modules.ts) that lists every module of dist/ it loads; the sandbox start
 * is the control that shows the list sees the emulator when it is loaded.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../src/emulator/emulator.ts'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { loadedModulesOptions } from '../helpers/loaded-modules.ts'
import { freePort, runNode, type ScriptRun } from '../helpers/service-process.ts'

let directory: string
let emulator: Emulator
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  directory = await mkdtemp(join(tmpdir(), 'tc-production-'))
  emulator = await startEmulator({ seed: 3 })
})
after(async () => {
  for (const run of running) await run.stop()
  await emulator?.stop()
  await rm(directory, { recursive: true, force: true })
})

/** Starts dist/main.js, waits until it listens, stops it with SIGTERM, and gives the dist/ modules it loaded. */
async function loadedModules(name: string, env: Record<string, string>): Promise<string[]> {
  const list = join(directory, `${name}.modules`)
  await writeFile(list, '')
  const run = runNode([...loadedModulesOptions(list), 'dist/main.js'], {
    LOG_LEVEL: 'info',
    PORT: String(await freePort()),
    SESSION_URL: `file:${join(directory, name, 'session')}`,
    ...env,
  })
  running.push(run)
  await run.waitFor(/Server listening at/)
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 0, signal: null })
  return (await readFile(list, 'utf8')).split('\n').filter((line) => line !== '')
}

const emulatorModules = (modules: string[]): string[] => modules.filter((url) => url.includes('/dist/emulator/') || url.endsWith('/dist/sandbox.js'))

test('a production start, with API_ID set, never loads src/emulator or the sandbox', async () => {
  const publicKey = join(directory, 'emulator.pem')
  await writeFile(publicKey, emulator.publicKeyPem)
  const modules = await loadedModules('production', {
    API_ID: '12345',
    API_HASH: '0123456789abcdef0123456789abcdef',
    TELEGRAM_DC: `${emulator.host}:${emulator.port}`,
    TELEGRAM_PUBLIC_KEY: publicKey,
  })
  assert.ok(modules.some((url) => url.endsWith('/dist/telegram/gateway.js')), 'the list holds the modules the process loaded')
  assert.deepEqual(emulatorModules(modules), [])
})

test('a sandbox start, with no API_ID, loads the emulator (the list sees it when it is there)', async () => {
  const modules = await loadedModules('sandbox', {})
  assert.ok(modules.some((url) => url.endsWith('/dist/emulator/emulator.js')), modules.join('\n'))
})
