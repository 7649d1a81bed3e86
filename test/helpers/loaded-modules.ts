/**
 * Preloaded into a child process (`--import ./test/helpers/loaded-modules.ts`, after tsx) to
 * record which of the project's modules it loads: a module resolution hook (node:module
 * `register`) appends every resolved file: URL under src/ to the file named by
 * LOADED_MODULES_FILE, one per line. The hook runs on Node's loader thread, so it is given as
 * plain JavaScript.
 */
import { register } from 'node:module'

const file = process.env.LOADED_MODULES_FILE
if (file === undefined || file === '') throw new Error('LOADED_MODULES_FILE is not set')

const hook = `
import { appendFileSync } from 'node:fs'
let file
export async function initialize(data) { file = data.file }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith('file:') && result.url.includes('/src/')) appendFileSync(file, result.url + '\\n')
  return result
}
`
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { file } })
