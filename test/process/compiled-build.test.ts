/**
 * The production build: `npm run build` (run by `npm test` before the tests) type-checks src/
 * and bundles it into dist/ (scripts/bundle.ts): the service and the two terminal commands,
 * with source maps, ES module packages inside and CommonJS ones left to node_modules. The
 * bundle imports nothing that an image with production dependencies only lacks, a production
 * start never loads the emulator's chunk, and `node dist/main.js` starts, answers /health,
 * prints the sandbox banner and stops cleanly on SIGTERM, with its session in a file or in S3
 * (the AWS SDK is bundled too). A build that breaks fails here, not
 * in the image.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { BUILD_COMMAND, DIST, ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { S3RVER_CREDENTIALS, startS3rver } from '../helpers/s3rver.ts'
import { freePort, logLines, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ENTRIES = ['main.js', 'sign-in-cli.js', 'session-cli.js']

/**
 * Loaded by the compiled code although not a production dependency, each inside a try that
 * does without it: the emulator serves gramjs's layer only where gramjs is installed
 * (packages/emulator/src/tl/schemas.ts).
 */
const OPTIONAL_PACKAGES = new Set(['telegram'])

let directory: string
const running: ScriptRun[] = []

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tc-compiled-'))
  // `npm test` builds first; run alone, this test builds whatever is out of date itself.
  await ensureCompiledBuild()
})
after(async () => {
  for (const run of running) await run.stop()
  await rm(directory, { recursive: true, force: true })
})

async function compiledFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true })
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => join(entry.parentPath, entry.name))
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

/** Every package an install without development dependencies holds (package-lock.json). */
async function productionPackages(): Promise<Set<string>> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
  return new Set(Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)))
}

/** The files a module imports statically (what loads with it, before any of its code runs). */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^(?:import|export)\s(?:[^;"']*?\sfrom\s*)?["'](\.[^"']+)["']/gm)].map((match) => match[1]!)
}

/** The files a start of `entry` loads: itself and its static imports, transitively. */
async function staticGraph(entry: string): Promise<string[]> {
  const seen = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return
    seen.add(file)
    for (const specifier of staticImports(await readFile(file, 'utf8'))) await visit(join(dirname(file), specifier))
  }
  await visit(entry)
  return [...seen]
}

async function mappedSources(file: string): Promise<string[]> {
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] }
  return map.sources.map((source) => relative(ROOT, join(dirname(file), source)))
}

test('the build bundles the service and the terminal commands into dist/, each with a source map naming src/', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }
  assert.equal(manifest.scripts.build, BUILD_COMMAND)
  for (const name of ENTRIES) {
    const code = await readFile(join(DIST, name), 'utf8')
    assert.match(code, new RegExp(`//# sourceMappingURL=${name.replace('.', '\\.')}\\.map\\s*$`))
    assert.doesNotMatch(code, /from ["'][^"']*\.ts["']/)
  }
  const sources = (await Promise.all((await staticGraph(join(DIST, 'main.js'))).map(mappedSources))).flat()
  for (const source of ['src/main.ts', 'src/app.ts', 'src/telegram/gateway.ts']) assert.ok(sources.includes(source), `${source} is not in the bundle`)
  // ES module packages are inside: their hundreds of files are what a start no longer reads.
  assert.ok(sources.some((source) => source.includes('node_modules/@mtcute/core/')))
  assert.ok(sources.some((source) => source.includes('node_modules/typebox/')))
})

test('a start of the bundle loads neither the emulator nor the S3 store and the AWS SDK: each is a chunk only its dynamic import reaches', async () => {
  const loaded = await Promise.all((await staticGraph(join(DIST, 'main.js'))).map(mappedSources))
  const everything = await Promise.all((await compiledFiles(DIST)).map(mappedSources))
  const lazy = (source: string): boolean => source.startsWith('packages/emulator/') || source === 'src/sandbox.ts' || source === 'src/sessions/s3-store.ts' || source.includes('node_modules/@aws-sdk/')
  assert.ok(everything.flat().some(lazy), 'the emulator and the S3 store are built')
  assert.ok(everything.flat().some((source) => source.includes('node_modules/@aws-sdk/client-s3/')), 'the AWS SDK is bundled')
  assert.deepEqual(loaded.flat().filter(lazy), [])
})

test('the compiled service imports only Node built-ins and production dependencies', async () => {
  const production = await productionPackages()
  const strays: string[] = []
  for (const file of await compiledFiles(DIST)) {
    // Static and dynamic imports, re-exports and require() calls alike.
    const { importedFiles } = ts.preProcessFile(await readFile(file, 'utf8'), true, true)
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.') || isBuiltin(specifier)) continue
      const name = packageName(specifier)
      if (!production.has(name) && !OPTIONAL_PACKAGES.has(name)) strays.push(`${relative(ROOT, file)}: ${specifier}`)
    }
  }
  assert.deepEqual(strays, [], 'imports of packages an image with production dependencies does not have')
})

test('node dist/main.js starts in sandbox mode, answers /health, prints the banner and stops on SIGTERM', async () => {
  const port = await freePort()
  // Piped stdout: JSON log lines, as in Docker.
  const run = runCompiled('main.js', [], { PORT: String(port), SESSION_URL: `file:${join(directory, 'session')}`, LOG_LEVEL: 'info' })
  running.push(run)
  // A loaded machine can take many seconds to start a process; the start itself is timed in npm run bench.
  await run.waitFor(/try every endpoint/, undefined, 'stderr')
  const response = await fetch(`http://127.0.0.1:${port}/health`)
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { status: 'ok', authorized: false, telegram: 'connected', sandbox: true })
  const banner = run.stderr()
  assert.match(banner, /any phone number, then the code 12345/)
  assert.ok(banner.includes(`http://127.0.0.1:${port}/docs`))
  assert.ok(banner.includes(`curl "http://127.0.0.1:${port}/messages?start_time=`))
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 0, signal: null })
  const lines = logLines(run.stdout())
  assert.ok(lines.length > 0 && run.stdout().trim().split('\n').length === lines.length, 'every stdout line is a JSON log line')
  assert.ok(lines.some((line) => line.msg === 'session saved; stopped'))
})

test('node dist/main.js keeps its session in S3 (s3rver): the bundled AWS SDK reads, leases and saves it there', async (t) => {
  const s3 = await startS3rver(['compiled'])
  t.after(() => s3.close())
  const port = await freePort()
  const run = runCompiled('main.js', [], {
    PORT: String(port),
    LOG_LEVEL: 'info',
    SESSION_URL: 's3://compiled/session',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  })
  running.push(run)
  await run.waitFor(/Server listening at/)
  const response = await fetch(`http://127.0.0.1:${port}/health`)
  assert.deepEqual(await response.json(), { status: 'ok', authorized: false, telegram: 'connected', sandbox: true })
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 0, signal: null })
  assert.ok(logLines(run.stdout()).some((line) => line.msg === 'session saved; stopped'))
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'compiled' }))
  assert.ok((listed.Contents ?? []).some((object) => object.Key === 'session'), JSON.stringify(listed.Contents))
})
