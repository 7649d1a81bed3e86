/**
 * The compiled build (dist/, bundled by scripts/bundle.ts) that the child-process tests run:
 * `node dist/main.js` starts in a fraction of the time `node src/main.ts` takes, which
 * strips the types of, and resolves, every module one by one. `npm test` builds before
 * the tests, so the build is fresh and nothing happens here; a test file run alone after an
 * edit of src/ builds first, so that it never runs yesterday's code. Test files run at once take turns through a lock file, and
 * the one that comes second finds the build fresh.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const DIST = join(ROOT, 'dist')
/** `npm run build`, as package.json says it (compiled-build.test.ts checks that it does). */
export const BUILD_COMMAND = 'tsc -p tsconfig.build.json && node scripts/bundle.ts'
/** A lock left by a test process killed in the middle of a build is taken over after this. */
const STALE_LOCK_MS = 10 * 60_000

/** Builds dist/ unless it is newer than every source file. */
export async function ensureCompiledBuild(): Promise<void> {
  if (!(await buildIsStale())) return
  await withBuildLock(async () => {
    if (await buildIsStale()) await build()
  })
}

/** Some source file (or the bundler script) is newer than the bundle, or there is none. */
export async function buildIsStale(): Promise<boolean> {
  // The bundler removes dist/ first and writes the entry points last.
  const built = await stat(join(DIST, 'main.js')).catch(() => null)
  if (built === null) return true
  const sources = (await readdir(join(ROOT, 'src'), { withFileTypes: true, recursive: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
  for (const source of [...sources, join(ROOT, 'scripts/bundle.ts')]) {
    if ((await stat(source)).mtimeMs > built.mtimeMs) return true
  }
  return false
}

async function build(): Promise<void> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }
  if (manifest.scripts.build !== BUILD_COMMAND) throw new Error(`npm run build is "${manifest.scripts.build}", not "${BUILD_COMMAND}"`)
  const exit = await new Promise<{ code: number | null, output: string }>((resolve) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('close', (code) => resolve({ code, output }))
  })
  if (exit.code !== 0) throw new Error(`npm run build failed:\n${exit.output}`)
}

/** One build at a time per checkout: an exclusive lock file in the temporary directory. */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  const lock = join(tmpdir(), `telegram-connector-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`)
  for (;;) {
    try {
      await (await open(lock, 'wx')).close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const held = await stat(lock).catch(() => null)
      if (held !== null && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true })
      // Another test process is building: a build takes seconds, so look again shortly.
      else await delay(100)
    }
  }
  try {
    await work()
  } finally {
    await rm(lock, { force: true })
  }
}
