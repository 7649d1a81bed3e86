/**
 * A production process (API_ID set) never loads the emulator: src/telegram-target.ts imports
 * the sandbox, and with it packages/emulator, only in sandbox mode. Nor does it load the large
 * optional parts it does not use: the S3 store and the AWS SDK (bundled, in a chunk of their
 * own) with the session in a file, the NATS client without NATS_URL, pino-pretty when the log
 * is JSON, the QR code drawer before a QR sign-in, Swagger UI (and its file server) before
 * /docs is asked for. Each is a dynamic import at the one place that needs it. The process
 * runs compiled, as the image runs it (`node dist/main.js`), preloaded with a module
 * resolution hook (test/helpers/loaded-modules.ts) that lists the files of dist/ it loads
 * (their source maps name the sources inside) and the packages; the sandbox start is the
 * control that shows the list sees the emulator, the AWS SDK, pino-pretty and the NATS client when they
 * are loaded.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { loadedModulesOptions, loadedPackages, loadedSources } from '../helpers/loaded-modules.ts'
import { S3RVER_CREDENTIALS, startS3rver } from '../helpers/s3rver.ts'
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

/** Starts dist/main.js, waits until it listens (and for `ready`), stops it with SIGTERM, and gives the src/ files and packages it loaded. */
async function loaded(name: string, env: Record<string, string>, ready = /Server listening at/): Promise<{ sources: string[]; packages: Set<string> }> {
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
  await run.waitFor(ready)
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 0, signal: null })
  const modules = (await readFile(list, 'utf8')).split('\n').filter((line) => line !== '')
  return { sources: await loadedSources(modules), packages: loadedPackages(modules) }
}

const emulatorSources = (sources: string[]): string[] => sources.filter((source) => source.startsWith('packages/emulator/') || source === 'src/sandbox.ts')

/** Loaded only where they are used; a start that does not use them must not pay for them. */
const OPTIONAL_PACKAGES = ['@fastify/swagger-ui', '@fastify/cors', '@nats-io/transport-node', '@nats-io/jetstream', 'pino-pretty', 'qrcode']
/** The S3 store and the AWS SDK, which the bundle holds (so they are not packages in the list but sources). */
const s3Sources = (sources: string[]): string[] => sources.filter((source) => source === 'src/sessions/s3-store.ts' || source.includes('node_modules/@aws-sdk/'))

test('a production start, with API_ID set, loads neither packages/emulator and the sandbox nor the optional packages it does not use', async () => {
  const publicKey = join(directory, 'emulator.pem')
  await writeFile(publicKey, emulator.publicKeyPem)
  const { sources, packages } = await loaded('production', {
    API_ID: '12345',
    API_HASH: '0123456789abcdef0123456789abcdef',
    TELEGRAM_DC: `${emulator.host}:${emulator.port}`,
    TELEGRAM_PUBLIC_KEY: publicKey,
  })
  assert.ok(sources.includes('src/telegram/gateway.ts'), 'the list holds the modules the process loaded')
  assert.deepEqual(emulatorSources(sources), [])
  assert.deepEqual(s3Sources(sources), [])
  assert.ok(packages.has('fastify') && packages.has('pino'), 'the list holds the packages the process loaded')
  assert.deepEqual(OPTIONAL_PACKAGES.filter((name) => packages.has(name)), [], 'a file store, no NATS_URL, JSON logs, no /docs: none of these is used')
})

test('a sandbox start, with no API_ID, loads the emulator, and the AWS SDK, pino-pretty and the NATS client when asked for (the list sees them when they are there)', async (t) => {
  const s3 = await startS3rver(['sandbox'])
  t.after(() => s3.close())
  const { sources, packages } = await loaded('sandbox', {
    SESSION_URL: 's3://sandbox/session',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    LOG_FORMAT: 'pretty',
    // Nothing listens on this port: the sink retries, which is enough to load the client.
    NATS_URL: `nats://127.0.0.1:${await freePort()}`,
  }, /cannot open the sink; retrying/)
  assert.ok(sources.includes('packages/emulator/src/emulator.ts'), sources.join('\n'))
  assert.ok(s3Sources(sources).length > 0, 'the S3 store and the AWS SDK')
  assert.ok(packages.has('pino-pretty') && packages.has('@nats-io/transport-node') && packages.has('@nats-io/jetstream'), [...packages].join('\n'))
})
