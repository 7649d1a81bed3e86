/**
 * mtcute's raw TL objects in the shape Telethon's `TLObject.to_dict()` gives them (docs/spec.md §4),
 * the shape clients of the Python service consume.
 *
 * The conversion is driven by mtcute's copy of the API schema (@mtcute/core/tl/api-schema.json,
 * layer 227), read once, and follows Telethon's code generator (telethon_generator):
 *
 * - `_` is the class name: the constructor name without its namespace, first letter upper-cased
 *   (`messages.channelMessages` → `ChannelMessages`; utils.snake_to_camel_case).
 * - Keys are the schema's snake_case argument names (mtcute's fields are their camelCase form);
 *   `self` is `is_self` and `from` is `from_`, as Telethon renames them (parsers/tlobject/tlarg.py).
 * - Key order is Telethon's `sorted_args()`: the required arguments in schema order, then the
 *   optional (flags.N? / flags2.N?) ones and `random_id` in schema order. `flags` fields are left out.
 * - An unset `true` flag is false (Telethon reads `bool(flags & bit)`); any other absent optional
 *   argument is null, an absent optional vector is [].
 * - Telethon turns an `int` argument into a datetime when its name matches
 *   `(\b|_)(date|until|since)(\b|_)` or is expires / expires_at / was_online; those become
 *   `YYYY-MM-DDTHH:MM:SS+00:00` (datetime.isoformat() of a UTC datetime without microseconds).
 * - long and int53 (ids sent as longs) are `bigint`s in the tree, written as exact JSON integers;
 *   int128 / int256 are the signed little-endian integers Telethon's read_large_int gives.
 * - bytes are standard base64 strings, as Telethon's `to_json()` writes them (`_json_default`).
 * - Every MessageMedia-typed argument is null: media is stripped (docs/spec.md §4).
 *
 * `writeTelethonJson` writes the tree compactly, as the Python service's JSON responses were.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Long } from '@mtcute/core'

export type TelethonValue = null | boolean | number | bigint | string | TelethonValue[] | TelethonDict
export interface TelethonDict {
  [key: string]: TelethonValue
}

/** Added as `meta` by the caller; further keys are allowed (docs/spec.md §4). */
export interface TelethonMeta {
  channel_name: string | null
  channel_title?: string | null
  [key: string]: TelethonValue | undefined
}

/** An mtcute raw TL object: its TL constructor name in `_`, its fields in camelCase. */
export type RawTlObject = object & { readonly _: string }

type ValueKind = 'true' | 'date' | 'integer64' | 'large' | 'bytes' | 'media' | 'plain'

interface FieldRule {
  /** mtcute's property name. */
  source: string
  /** Telethon's key. */
  key: string
  kind: ValueKind
  optional: boolean
  vector: boolean
}

interface ConstructorRule {
  className: string
  fields: FieldRule[]
}

interface SchemaArgument {
  name: string
  type: string
  typeModifiers?: { predicate?: string, isVector?: boolean }
}

interface SchemaEntry {
  kind: 'class' | 'method'
  name: string
  arguments: SchemaArgument[]
}

const DATE_NAME = /(\b|_)(date|until|since)(\b|_)/
const DATE_NAMES = new Set(['expires', 'expires_at', 'was_online'])
const KEY_RENAMES: Record<string, string> = { self: 'is_self', from: 'from_' }

let rules: Map<string, ConstructorRule> | undefined

function constructorRules(): Map<string, ConstructorRule> {
  if (rules === undefined) {
    const path = createRequire(import.meta.url).resolve('@mtcute/core/tl/api-schema.json')
    const schema = JSON.parse(readFileSync(path, 'utf8')) as { e: SchemaEntry[] }
    rules = new Map()
    for (const entry of schema.e) {
      if (entry.kind === 'class') rules.set(entry.name, compileRule(entry))
    }
  }
  return rules
}

function compileRule(entry: SchemaEntry): ConstructorRule {
  const fields = entry.arguments
    .filter((argument) => argument.type !== '#')
    .map((argument): FieldRule => ({
      source: snakeToCamel(argument.name),
      key: KEY_RENAMES[argument.name] ?? argument.name,
      kind: valueKind(argument),
      optional: argument.typeModifiers?.predicate !== undefined,
      vector: argument.typeModifiers?.isVector === true,
    }))
  // Telethon's sorted_args(): a stable sort putting flag arguments and random_id last.
  const late = (field: FieldRule): boolean => field.optional || field.key === 'random_id'
  return {
    className: telethonClassName(entry.name),
    fields: [...fields.filter((field) => !late(field)), ...fields.filter(late)],
  }
}

function valueKind(argument: SchemaArgument): ValueKind {
  switch (argument.type) {
    case 'true':
      return 'true'
    case 'int':
      return DATE_NAME.test(argument.name) || DATE_NAMES.has(argument.name) ? 'date' : 'plain'
    case 'long':
    case 'int53':
      return 'integer64'
    case 'int128':
    case 'int256':
      return 'large'
    case 'bytes':
      return 'bytes'
    case 'MessageMedia':
      return 'media'
    default:
      return 'plain'
  }
}

/** mtcute's field names: every `_x` of the schema name becomes `X` (`media_unread` → `mediaUnread`). */
function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/** Telethon's class name for a TL constructor (utils.snake_to_camel_case of the name without namespace). */
export function telethonClassName(tlName: string): string {
  const name = tlName.slice(tlName.indexOf('.') + 1)
  const camel = name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
  return camel.slice(0, 1).toUpperCase() + camel.slice(1).replace(/_/g, '')
}

/** A TL date (Unix seconds) as Telethon's datetime prints: `2025-07-01T12:34:56+00:00`. */
export function telethonDate(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}+00:00`
}

export function toTelethonDict<T extends RawTlObject>(object: T, meta?: TelethonMeta): TelethonDict {
  const dict = convertObject(object)
  if (meta !== undefined) {
    const metaDict: TelethonDict = {}
    for (const [key, value] of Object.entries(meta)) {
      if (value !== undefined) metaDict[key] = value
    }
    dict.meta = metaDict
  }
  return dict
}

function convertObject(object: RawTlObject): TelethonDict {
  const source = object as unknown as Record<string, unknown>
  const rule = constructorRules().get(object._)
  if (rule === undefined) return convertUnknownObject(source)
  const dict: TelethonDict = { _: rule.className }
  for (const field of rule.fields) {
    const value = source[field.source]
    if (field.kind === 'media') {
      dict[field.key] = field.vector ? [] : null
    } else if (field.vector) {
      dict[field.key] = Array.isArray(value) ? value.map((item) => convertValue(field.kind, item)) : []
    } else if (field.kind === 'true') {
      dict[field.key] = value === true
    } else {
      dict[field.key] = value === undefined || value === null ? null : convertValue(field.kind, value)
    }
  }
  return dict
}

function convertValue(kind: ValueKind, value: unknown): TelethonValue {
  switch (kind) {
    case 'date':
      return typeof value === 'number' ? telethonDate(value) : convertPlain(value)
    case 'integer64':
      return toBigInt(value)
    case 'large':
      return value instanceof Uint8Array ? signedLittleEndian(value) : convertPlain(value)
    case 'bytes':
      return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : convertPlain(value)
    default:
      return convertPlain(value)
  }
}

/** A value whose schema type says nothing special: scalars as they are, objects and vectors recursively. */
function convertPlain(value: unknown): TelethonValue {
  if (value === undefined || value === null) return null
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return value
    case 'object':
      break
    default:
      return null
  }
  if (Array.isArray(value)) return value.map(convertPlain)
  if (Long.isLong(value)) return toBigInt(value)
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (typeof (value as { _?: unknown })._ === 'string') return convertObject(value as RawTlObject)
  return convertUnknownObject(value as Record<string, unknown>)
}

/** A constructor the schema does not know: its own fields, renamed to snake_case, converted by value. */
function convertUnknownObject(source: Record<string, unknown>): TelethonDict {
  const dict: TelethonDict = {}
  for (const [name, value] of Object.entries(source)) {
    if (name === '_') {
      dict._ = typeof value === 'string' ? telethonClassName(value) : null
    } else {
      dict[name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = convertPlain(value)
    }
  }
  return dict
}

function toBigInt(value: unknown): TelethonValue {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value
  if (Long.isLong(value)) {
    const long = value as Long
    return BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0))
  }
  return convertPlain(value)
}

function signedLittleEndian(bytes: Uint8Array): bigint {
  let result = 0n
  for (let i = bytes.length - 1; i >= 0; i--) result = (result << 8n) | BigInt(bytes[i])
  return BigInt.asIntN(bytes.length * 8, result)
}

/**
 * The tree as compact JSON (the separators of Starlette's JSONResponse); bigints are written as
 * bare integer literals, which JSON.stringify refuses to do.
 */
export function writeTelethonJson(value: TelethonValue): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    default:
      break
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      out += writeTelethonJson(value[i])
    }
    return `${out}]`
  }
  let out = '{'
  let first = true
  for (const key in value) {
    const item = value[key]
    if (item === undefined) continue
    if (!first) out += ','
    first = false
    out += quotedKey(key) + writeTelethonJson(item)
  }
  return `${out}}`
}

/** Keys repeat in every message: quote each once. */
const quotedKeys = new Map<string, string>()

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key)
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted)
  }
  return quoted
}
