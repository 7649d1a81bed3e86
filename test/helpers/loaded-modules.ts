/**
 * Node options that make a child process record which modules it loads: a preload
 * (`--import` of a data: URL, so the child needs no loader for TypeScript) registers a module
 * resolution hook (node:module `register`) that appends every resolved file: URL under dist/
 * or in node_modules to `file`, one per line. The hook runs on Node's loader thread, so it is
 * given as plain JavaScript. It sees ES module resolution only: what a CommonJS package
 * require()s inside itself is not listed, but every package the bundle imports is.
 *
 * dist/ is a bundle (scripts/bundle.ts): `loadedSources` reads which source files (src/ and
 * bundled packages) the loaded bundle files hold from their source maps, and `loadedPackages`
 * names the packages loaded from node_modules.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DIST } from './compiled-build.ts'

const ROOT = join(DIST, '..')

export function loadedModulesOptions(file: string): string[] {
  const hook = `
import { appendFileSync } from 'node:fs'
let file, under
export async function initialize(data) { file = data.file; under = data.under }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith(under) || (result.url.startsWith('file:') && result.url.includes('/node_modules/'))) appendFileSync(file, result.url + '\\n')
  return result
}
`
  const data = { file, under: `${pathToFileURL(DIST).href}/` }
  const preload = `import { register } from 'node:module'
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, { data: ${JSON.stringify(data)} })
`
  return ['--import', `data:text/javascript,${encodeURIComponent(preload)}`]
}

/**
 * The files inside the loaded files of dist/, relative to the repository: `src/main.ts`, and
 * the bundled packages' (`…node_modules/@mtcute/core/…`).
 */
export async function loadedSources(modules: readonly string[]): Promise<string[]> {
  const bundled = [...new Set(modules)].filter((url) => url.startsWith(`${pathToFileURL(DIST).href}/`)).map((url) => fileURLToPath(url))
  const sources = await Promise.all(bundled.map(async (file) => {
    const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] }
    return map.sources.map((source) => relative(ROOT, join(dirname(file), source)))
  }))
  return sources.flat()
}

/** The packages loaded from node_modules, by name (`@scope/name` or `name`). */
export function loadedPackages(modules: readonly string[]): Set<string> {
  const names = modules.map((url) => /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name) => name !== undefined)
  return new Set(names)
}
