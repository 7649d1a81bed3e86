/**
 * A TL schema: constructors and methods by id and by name, with each parameter's type,
 * vector-ness and flag condition. Built from mtcute's JSON schema (layer 227 and the MTProto
 * service schema) or from TL text (older layers, as shipped by gramjs), so one codec reads
 * every layer the emulator serves.
 */

export interface TlParam {
  name: string
  /** Base type: a primitive (`int`, `long`, `int53`, `double`, `string`, `bytes`, `int128`,
   * `int256`, `Bool`, `true`, `#`), `!X` for a wrapped query, or a boxed type name. */
  type: string
  vector: boolean
  /** A bare vector (`vector<T>`, lower case): its count without the vector constructor id. */
  bareVector?: boolean
  /** Bare (no constructor id) element or value: `%Message` or mtcute's `isBareType`. */
  bare?: boolean
  flag?: { field: string; bit: number }
}

export interface TlEntry {
  kind: 'class' | 'method'
  name: string
  id: number
  /** Result type for methods, boxed type for classes (without the Vector wrapper). */
  type: string
  /** Methods only: the result is `Vector<type>`. */
  vector: boolean
  params: TlParam[]
}

export class TlSchema {
  readonly layer: number
  private readonly ids = new Map<number, TlEntry>()
  private readonly names = new Map<string, TlEntry>()
  private readonly constructorsByType = new Map<string, TlEntry[]>()
  private readonly fallback: TlSchema | undefined

  constructor(layer: number, entries: Iterable<TlEntry>, fallback?: TlSchema) {
    this.layer = layer
    this.fallback = fallback
    for (const entry of entries) {
      this.ids.set(entry.id, entry)
      this.names.set(entry.name, entry)
      if (entry.kind === 'class') {
        const list = this.constructorsByType.get(entry.type) ?? []
        list.push(entry)
        this.constructorsByType.set(entry.type, list)
      }
    }
  }

  byId(id: number): TlEntry | undefined {
    return this.ids.get(id) ?? this.fallback?.byId(id)
  }

  byName(name: string): TlEntry | undefined {
    return this.names.get(name) ?? this.fallback?.byName(name)
  }

  constructorsOf(type: string): readonly TlEntry[] {
    return this.constructorsByType.get(type) ?? this.fallback?.constructorsOf(type) ?? []
  }
}

interface MtcuteJsonArgument {
  name: string
  type: string
  typeModifiers?: { predicate?: string; isVector?: boolean; isBareVector?: boolean; isBareType?: boolean }
}

interface MtcuteJsonEntry {
  kind: 'class' | 'method'
  name: string
  id: number
  type: string
  typeModifiers?: { isVector?: boolean }
  arguments: MtcuteJsonArgument[]
}

function parsePredicate(predicate: string | undefined): TlParam['flag'] {
  if (predicate === undefined) return undefined
  const [field, bit] = predicate.split('.')
  return { field: field!, bit: Number(bit) }
}

/** Entries from mtcute's JSON schema; `stripPrefix` drops its `mt_` prefix on service names. */
export function entriesFromMtcuteJson(json: readonly MtcuteJsonEntry[], stripPrefix = ''): TlEntry[] {
  return json.map((e) => ({
    kind: e.kind,
    name: stripPrefix && e.name.startsWith(stripPrefix) ? e.name.slice(stripPrefix.length) : e.name,
    id: e.id >>> 0,
    type: stripPrefix && e.type.startsWith(stripPrefix) ? e.type.slice(stripPrefix.length) : e.type,
    vector: e.typeModifiers?.isVector === true,
    params: e.arguments.map((a) => {
      const mods = a.typeModifiers ?? {}
      const param: TlParam = {
        name: a.name,
        type: stripPrefix && a.type.startsWith(stripPrefix) ? a.type.slice(stripPrefix.length) : a.type,
        vector: mods.isVector === true || mods.isBareVector === true,
      }
      if (mods.isBareType) param.bare = true
      if (mods.isBareVector) param.bareVector = true
      const flag = parsePredicate(mods.predicate)
      if (flag) param.flag = flag
      return param
    }),
  }))
}

function parseTypeExpr(expr: string): { type: string; vector: boolean; bareVector: boolean; bare: boolean } {
  const vectorMatch = /^([Vv])ector<(.+)>$/.exec(expr)
  let inner = vectorMatch ? vectorMatch[2]! : expr
  const bare = inner.startsWith('%')
  if (bare) inner = inner.slice(1)
  return { type: inner, vector: vectorMatch !== null, bareVector: vectorMatch?.[1] === 'v', bare }
}

/**
 * Entries from TL text (`name#id param:type ... = Type;`, with `---functions---` switching to
 * methods). Lines without an explicit id are the built-in primitives and are skipped.
 */
export function entriesFromTlText(text: string): TlEntry[] {
  const entries: TlEntry[] = []
  let kind: TlEntry['kind'] = 'class'
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\/\/.*$/, '').trim()
    if (line === '---functions---') { kind = 'method'; continue }
    if (line === '---types---') { kind = 'class'; continue }
    const m = /^([\w.]+)#([0-9a-f]+)\s+(.*?)\s*=\s*([^;]+);$/.exec(line)
    if (!m) continue
    const [, name, hexId, paramText, resultText] = m
    const params: TlParam[] = []
    for (const token of paramText!.split(/\s+/).filter(Boolean)) {
      if (token.startsWith('{')) continue // generic declaration: {X:Type}
      const colon = token.indexOf(':')
      const pname = token.slice(0, colon)
      let typeText = token.slice(colon + 1)
      let flag: TlParam['flag']
      const flagMatch = /^(\w+)\.(\d+)\?(.+)$/.exec(typeText)
      if (flagMatch) {
        flag = { field: flagMatch[1]!, bit: Number(flagMatch[2]) }
        typeText = flagMatch[3]!
      }
      const parsed = parseTypeExpr(typeText)
      const param: TlParam = { name: pname, type: parsed.type, vector: parsed.vector }
      if (parsed.bare) param.bare = true
      if (parsed.bareVector) param.bareVector = true
      if (flag) param.flag = flag
      params.push(param)
    }
    const result = parseTypeExpr(resultText!.trim())
    entries.push({ kind, name: name!, id: parseInt(hexId!, 16) >>> 0, type: result.type, vector: result.vector, params })
  }
  return entries
}
