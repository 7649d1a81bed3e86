/**
 * Schema-driven TL codec: reads any boxed object a schema knows and writes TlObjects in the
 * schema's layer. Writing is forgiving in one direction on purpose: fields a layer does not
 * have are ignored and fields it requires are filled from defaults, so handlers build one
 * shape and every client gets its own layer.
 */
import { unzipSync } from 'node:zlib'
import type { TlObject } from './tl-object.ts'
import type { TlEntry, TlParam, TlSchema } from './tl-schema.ts'
import { TlReader } from './tl-reader.ts'
import { TlWriter } from './tl-writer.ts'

export class TlCodecError extends Error {
  override name = 'TlCodecError'
}

// Built-in constructor ids (core.telegram.org/mtproto/serialize, /mtproto/service_messages).
export const VECTOR_ID = 0x1cb5c415
export const BOOL_TRUE_ID = 0x997275b5
export const BOOL_FALSE_ID = 0xbc799737
export const GZIP_PACKED_ID = 0x3072cfa1

function readValue(schema: TlSchema, r: TlReader, type: string, bare: boolean): unknown {
  switch (type) {
    case 'int':
    case '#':
      return r.int()
    case 'long':
      return r.long()
    case 'int53':
      return Number(r.long())
    case 'double':
      return r.double()
    case 'string':
      return r.string()
    case 'bytes':
      return r.bytes()
    case 'int128':
      return r.int128()
    case 'int256':
      return r.int256()
    case 'Bool': {
      const id = r.uint()
      if (id === BOOL_TRUE_ID) return true
      if (id === BOOL_FALSE_ID) return false
      throw new TlCodecError(`expected Bool, got constructor 0x${id.toString(16)}`)
    }
    case 'true':
      return true
    default: {
      if (bare) {
        const entry = schema.byName(type) ?? schema.constructorsOf(type)[0]
        if (!entry) throw new TlCodecError(`unknown bare type ${type}`)
        return readFields(schema, r, entry)
      }
      return readObject(schema, r)
    }
  }
}

function readFields(schema: TlSchema, r: TlReader, entry: TlEntry): TlObject {
  const obj: TlObject = { _: entry.name }
  const flagValues: Record<string, number> = {}
  for (const p of entry.params) {
    if (p.type === '#') {
      flagValues[p.name] = r.uint()
      continue
    }
    if (p.flag) {
      const set = ((flagValues[p.flag.field] ?? 0) >>> p.flag.bit) & 1
      if (p.type === 'true') {
        obj[p.name] = set === 1
        continue
      }
      if (!set) continue
    }
    obj[p.name] = p.vector ? readVector(schema, r, p) : readValue(schema, r, p.type, p.bare === true)
  }
  return obj
}

function readVector(schema: TlSchema, r: TlReader, p: Pick<TlParam, 'type' | 'bare' | 'bareVector'>): unknown[] {
  const id = p.bareVector ? VECTOR_ID : r.uint()
  if (id !== VECTOR_ID) throw new TlCodecError(`expected vector, got constructor 0x${id.toString(16)}`)
  const count = r.uint()
  const items = new Array<unknown>(count)
  for (let i = 0; i < count; i++) items[i] = readValue(schema, r, p.type, p.bare === true)
  return items
}

/** Reads one boxed object; `gzip_packed` (gzip or zlib, both seen in the wild) is unpacked. */
export function readObject(schema: TlSchema, r: TlReader): TlObject {
  const id = r.uint()
  if (id === GZIP_PACKED_ID) {
    const inner = unzipSync(r.bytes())
    return readObject(schema, new TlReader(inner))
  }
  const entry = schema.byId(id)
  if (!entry) throw new TlCodecError(`unknown constructor 0x${id.toString(16).padStart(8, '0')} in layer ${schema.layer}`)
  return readFields(schema, r, entry)
}

export function decodeObject(schema: TlSchema, buf: Buffer): TlObject {
  return readObject(schema, new TlReader(buf))
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false
}

const defaultConstructorCache = new WeakMap<TlSchema, Map<string, TlEntry | null>>()

/**
 * The constructor used when a layer requires an object the handler did not give: the first
 * constructor of the type whose required fields are all primitives (e.g. `chatPhotoEmpty`).
 */
function defaultConstructor(schema: TlSchema, type: string): TlEntry | null {
  let cache = defaultConstructorCache.get(schema)
  if (!cache) {
    cache = new Map()
    defaultConstructorCache.set(schema, cache)
  }
  if (cache.has(type)) return cache.get(type)!
  const candidates = schema.constructorsOf(type)
  const found =
    candidates.find((c) => c.params.every((p) => p.flag !== undefined || p.vector || PRIMITIVE_DEFAULTS.has(p.type))) ?? null
  cache.set(type, found)
  return found
}

const PRIMITIVE_DEFAULTS = new Set(['int', 'long', 'int53', 'double', 'string', 'bytes', 'int128', 'int256', 'Bool', '#'])

function writeValue(schema: TlSchema, w: TlWriter, type: string, bare: boolean, value: unknown, where: string): void {
  switch (type) {
    case 'int':
    case '#':
      w.int(Number(value ?? 0))
      return
    case 'long':
    case 'int53':
      w.long((value ?? 0) as bigint | number)
      return
    case 'double':
      w.double(Number(value ?? 0))
      return
    case 'string':
      w.string(typeof value === 'string' ? value : '')
      return
    case 'bytes':
      w.bytes(value instanceof Uint8Array ? value : typeof value === 'string' ? Buffer.from(value) : Buffer.alloc(0))
      return
    case 'int128':
      w.raw(value instanceof Uint8Array ? value : Buffer.alloc(16))
      return
    case 'int256':
      w.raw(value instanceof Uint8Array ? value : Buffer.alloc(32))
      return
    case 'Bool':
      w.uint(value ? BOOL_TRUE_ID : BOOL_FALSE_ID)
      return
    case 'true':
      return
    default: {
      let obj = value as TlObject | null | undefined
      if (obj === undefined || obj === null) {
        const fallback = defaultConstructor(schema, type)
        if (!fallback) throw new TlCodecError(`missing required ${type} at ${where} (layer ${schema.layer})`)
        obj = { _: fallback.name }
      }
      if (bare) {
        const entry = schema.byName(obj._)
        if (!entry) throw new TlCodecError(`unknown constructor ${obj._} at ${where} (layer ${schema.layer})`)
        writeFields(schema, w, entry, obj)
      } else {
        writeObject(schema, w, obj)
      }
    }
  }
}

function writeVector(schema: TlSchema, w: TlWriter, p: TlParam, value: unknown, where: string): void {
  const items = Array.isArray(value) ? value : []
  if (!p.bareVector) w.uint(VECTOR_ID)
  w.uint(items.length)
  for (let i = 0; i < items.length; i++) writeValue(schema, w, p.type, p.bare === true, items[i], where)
}

function writeFields(schema: TlSchema, w: TlWriter, entry: TlEntry, obj: TlObject): void {
  // A flag bit is set when any field it guards is present (some bits guard several fields,
  // e.g. message.views and message.forwards share flags.10).
  let flags: Record<string, number> | undefined
  for (const p of entry.params) {
    if (!p.flag) continue
    flags ??= {}
    const v = obj[p.name]
    const present = p.type === 'true' ? v === true : isPresent(v) || (v === false && p.type === 'Bool')
    if (present) flags[p.flag.field] = ((flags[p.flag.field] ?? 0) | (1 << p.flag.bit)) >>> 0
  }
  for (const p of entry.params) {
    if (p.type === '#') {
      w.uint(flags?.[p.name] ?? 0)
      continue
    }
    if (p.flag) {
      if (p.type === 'true') continue
      if ((((flags?.[p.flag.field] ?? 0) >>> p.flag.bit) & 1) === 0) continue
    }
    const where = `${entry.name}.${p.name}`
    if (p.vector) writeVector(schema, w, p, obj[p.name], where)
    else if (p.type === '!X') writeObject(schema, w, obj[p.name] as TlObject)
    else writeValue(schema, w, p.type, p.bare === true, obj[p.name], where)
  }
}

export function writeObject(schema: TlSchema, w: TlWriter, obj: TlObject): void {
  const entry = schema.byName(obj._)
  if (!entry) throw new TlCodecError(`unknown constructor ${obj._} in layer ${schema.layer}`)
  w.uint(entry.id)
  writeFields(schema, w, entry, obj)
}

export function encodeObject(schema: TlSchema, obj: TlObject): Buffer {
  const w = new TlWriter()
  writeObject(schema, w, obj)
  return w.finish()
}

/** Writes a method's result by its declared type (`Bool`, `Vector<T>`, a primitive or a boxed type). */
export function writeResult(schema: TlSchema, w: TlWriter, methodName: string, value: unknown): void {
  const method = schema.byName(methodName)
  if (!method || method.kind !== 'method') throw new TlCodecError(`unknown method ${methodName} in layer ${schema.layer}`)
  if (method.vector) {
    writeVector(schema, w, { name: 'result', type: method.type, vector: true }, value, `${methodName}#result`)
  } else {
    writeValue(schema, w, method.type, false, value, `${methodName}#result`)
  }
}
