/**
 * `npm run build`, after the type check: bundles the service and the two terminal commands
 * into dist/ with esbuild, source maps beside them.
 *
 * Why a bundle: a start spends most of its time loading modules, not running them. mtcute
 * and TypeBox ship as ES modules by the hundred (over a thousand files at a start), and Node
 * resolves, reads and links each one. Bundled, they are a few files, and what the service
 * never calls (mtcute's HTML and Markdown parsers, its sqlite storage, most of TypeBox) is left
 * out; so is the AWS SDK, from its ES module build. CommonJS packages (Fastify and its plugins,
 * pino, prom-client, the NATS client, …) stay external and are required from node_modules as they expect:
 * some read files beside their own code (Swagger UI's assets), load native addons or require
 * optional peers.
 *
 * Modules imported dynamically (the sandbox and its emulator, the S3 store) become chunks of
 * their own (dist/chunks/), loaded only when that import runs, as from source.
 */
import { readFile, rm } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DIST = join(ROOT, 'dist')

/** The entry points, each a `node dist/<name>.js` command. */
const ENTRIES = ['main', 'sign-in-cli', 'session-cli']

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

/**
 * The AWS SDK's scopes: CommonJS by default, but each package ships its ES module build beside
 * (`module`, dist-es/), and an S3 session loads a few hundred of its files.
 */
const ESM_BUILD_SCOPES = /^@(aws-sdk|smithy|aws-crypto)\//

const moduleTypes = new Map<string, boolean>()

/** Whether a package ships as ES modules ("type": "module", or an AWS SDK one's `module` build), from its package.json. */
async function isEsmPackage(name: string, resolveDir: string): Promise<boolean> {
  const known = moduleTypes.get(name)
  if (known !== undefined) return known
  // Packages are hoisted to the root's node_modules; a nested one is looked up from its importer.
  let directory = resolveDir
  let manifest: { type?: string; module?: string } | null = null
  for (;;) {
    manifest = await readFile(join(directory, 'node_modules', name, 'package.json'), 'utf8').then((text) => JSON.parse(text) as { type?: string; module?: string }, () => null)
    if (manifest !== null || directory === '/' || directory === '.') break
    directory = join(directory, '..')
  }
  const esm = manifest?.type === 'module' || (ESM_BUILD_SCOPES.test(name) && typeof manifest?.module === 'string')
  moduleTypes.set(name, esm)
  return esm
}

/** ES module packages are bundled; CommonJS packages and Node's built-ins stay imports. */
const externalCommonJs: Plugin = {
  name: 'external-commonjs',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, async ({ path, resolveDir }) => {
      if (isBuiltin(path)) return { external: true }
      return (await isEsmPackage(packageName(path), resolveDir)) ? undefined : { external: true }
    })
  },
}

await rm(DIST, { recursive: true, force: true })
await build({
  entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, join(ROOT, 'src', `${name}.ts`)])),
  outdir: DIST,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // An ES module build where a package has one (the AWS SDK's `module`), before its CommonJS `main`.
  mainFields: ['module', 'main'],
  target: 'node20',
  sourcemap: true,
  plugins: [externalCommonJs],
  logLevel: 'warning',
})
