/**
 * The production build: `npm run build` (tsc with tsconfig.build.json, run by `npm test` before
 * the tests) compiles src/ into
 * dist/, the compiled service imports nothing that an image with production dependencies only
 * lacks, and `node dist/main.js` starts, answers /health, prints the sandbox banner and stops
 * cleanly on SIGTERM. A build that breaks fails here, not in the image.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { BUILD_COMMAND, DIST, ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { freePort, logLines, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Loaded by the compiled code although not a production dependency, each inside a try that
 * does without it: the emulator serves gramjs's layer only where gramjs is installed
 * (src/emulator/tl/schemas.ts).
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

test('the build compiles every source file to dist/ with its source map, and rewrites .ts imports to .js', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }
  assert.equal(manifest.scripts.build, BUILD_COMMAND)
  const files = await compiledFiles(DIST)
  const main = await readFile(join(DIST, 'main.js'), 'utf8')
  assert.ok(files.length > 50, `only ${files.length} files in dist/`)
  assert.ok(files.includes(join(DIST, 'main.js')) && files.includes(join(DIST, 'sign-in-cli.js')))
  assert.match(main, /from "\.\/app\.js"/)
  assert.doesNotMatch(main, /from ["']\.{1,2}\/[^"']*\.ts["']/)
  assert.match(main, /\/\/# sourceMappingURL=main\.js\.map\s*$/)
  const map = JSON.parse(await readFile(join(DIST, 'main.js.map'), 'utf8')) as { sources: string[] }
  assert.deepEqual(map.sources, ['../src/main.ts'])
})

test('the compiled service imports only Node built-ins and production dependencies', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  const production = new Set(Object.keys(manifest.dependencies))
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
