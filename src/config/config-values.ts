/**
 * The primitives every configuration reader shares: the one-line error naming a variable, and
 * how a variable's text, seconds and named files are read (an empty variable counts as unset).
 */
import { readFileSync } from 'node:fs'

export class ConfigError extends Error {
  readonly variable: string

  constructor(variable: string, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '))
    this.name = 'ConfigError'
    this.variable = variable
  }
}

export function read(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]
  return value === undefined || value === '' ? null : value
}

/** Values are quoted as JSON so that control characters cannot break the one-line message. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
}

export function parseSeconds(variable: string, text: string): number {
  const seconds = /^\d{1,6}$/.test(text) ? Number(text) : NaN
  if (Number.isNaN(seconds)) throw new ConfigError(variable, `${variable} must be a whole number of seconds, got ${quote(text)}`)
  return seconds
}

/** The text of the file `variable` names, read once at start; null when the variable is unset. */
export function readNamedFile(env: NodeJS.ProcessEnv, variable: string): { path: string, text: string } | null {
  const path = read(env, variable)
  if (path === null) return null
  try {
    return { path, text: readFileSync(path, 'utf8') }
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(variable, `${variable} file ${quote(path)} cannot be read (${reason})`)
  }
}

/** `text` as an http: or https: URL, or null when it is not one. */
export function httpUrl(text: string): URL | null {
  const url = URL.canParse(text) ? new URL(text) : null
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') ? url : null
}
