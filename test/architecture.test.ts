/**
 * The house's rules (ARCHITECTURE.md), checked on the import graph read with TypeScript's own
 * pre-processor: no import cycle between files, no import running back up the service's layers,
 * and the emulator met only through its package's entries, by the sandbox alone.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const EMULATOR = '@telegram-connector/emulator'

/** The service's rooms, lowest first: a file may import its own room and the rooms below it. */
const LAYERS = ['core', 'config', 'metrics', 'sessions', 'telegram', 'live', 'http', 'sandbox', '(root)'] as const

function sourceFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => normalize(join(directory, file)))
}

interface Imports { relative: string[]; packages: string[] }

function importsOf(file: string): Imports {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
  const specifiers = info.importedFiles.map((imported) => imported.fileName)
  return {
    relative: specifiers.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(file), s))),
    packages: specifiers.filter((s) => !s.startsWith('.')),
  }
}

function graphOf(files: string[]): Map<string, string[]> {
  const known = new Set(files)
  return new Map(files.map((file) => [file, importsOf(file).relative.filter((target) => known.has(target))]))
}

/** Every strongly connected component of more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (file: string): void => {
    index.set(file, index.size)
    low.set(file, index.get(file)!)
    stack.push(file)
    onStack.add(file)
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(file, Math.min(low.get(file)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!))
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== file)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return found
}

function layerOf(file: string): number {
  const parts = relative('src', file).split('/')
  const room = parts.length === 1 ? '(root)' : parts[0]!
  const layer = (LAYERS as readonly string[]).indexOf(room)
  assert.ok(layer >= 0, `${file} is in a room ARCHITECTURE.md does not place: ${room}`)
  return layer
}

const service = sourceFiles('src')
const emulator = sourceFiles('packages/emulator/src')

test('no two files of the service import each other, however indirectly', () => {
  assert.deepEqual(cycles(graphOf(service)), [])
})

test('no two files of the emulator import each other, however indirectly', () => {
  assert.deepEqual(cycles(graphOf(emulator)), [])
})

test('no import of the service runs back up its layers', () => {
  const upward: string[] = []
  for (const file of service) {
    for (const target of importsOf(file).relative) {
      if (layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`)
    }
  }
  assert.deepEqual(upward, [])
})

test('the service meets the emulator only through its public entry, from the sandbox alone', () => {
  const reaching: string[] = []
  for (const file of service) {
    const { relative: targets, packages } = importsOf(file)
    for (const target of targets) if (target.startsWith('packages/')) reaching.push(`${file} → ${target}`)
    for (const name of packages.filter((p) => p === EMULATOR || p.startsWith(`${EMULATOR}/`))) {
      if (name !== EMULATOR || !file.startsWith('src/sandbox/')) reaching.push(`${file} → ${name}`)
    }
  }
  assert.deepEqual(reaching, [])
})

test('tests and benches reach the emulator through its entries, and the emulator imports nothing outside its package', () => {
  const deep: string[] = []
  for (const file of [...sourceFiles('test'), ...sourceFiles('bench')]) {
    for (const target of importsOf(file).relative) if (target.startsWith('packages/emulator/')) deep.push(`${file} → ${target}`)
  }
  for (const file of [...emulator, ...sourceFiles('packages/emulator/test')]) {
    for (const target of importsOf(file).relative) if (!target.startsWith('packages/emulator/')) deep.push(`${file} → ${target}`)
  }
  assert.deepEqual(deep, [])
})
