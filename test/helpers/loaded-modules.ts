/**
 * Node options that make a child process record which of the project's compiled modules it
 * loads: a preload (`--import` of a data: URL, so the child needs no loader for TypeScript)
 * registers a module resolution hook (node:module `register`) that appends every resolved
 * file: URL under dist/ to `file`, one per line. The hook runs on Node's loader thread, so it is
 * given as plain JavaScript.
 */
import { pathToFileURL } from 'node:url'
import { DIST } from './compiled-build.ts'

export function loadedModulesOptions(file: string): string[] {
  const hook = `
import { appendFileSync } from 'node:fs'
let file, under
export async function initialize(data) { file = data.file; under = data.under }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith(under)) appendFileSync(file, result.url + '\\n')
  return result
}
`
  const data = { file, under: `${pathToFileURL(DIST).href}/` }
  const preload = `import { register } from 'node:module'
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, { data: ${JSON.stringify(data)} })
`
  return ['--import', `data:text/javascript,${encodeURIComponent(preload)}`]
}
