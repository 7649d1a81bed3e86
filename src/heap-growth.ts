/**
 * How far V8 lets the old generation grow past what the last full collection kept alive before
 * it collects again; set by src/main.ts as the process starts.
 *
 * A long `GET /messages` turns over about 1 KB of old-generation garbage per message: the pages
 * a merge holds (two per open channel, src/telegram/history/channel-history.ts) live long enough to be
 * promoted out of the young generation, and die there. Nothing stays alive (with forced
 * collections the heap stays flat), but on a host with gigabytes of memory V8 lets the old
 * generation reach up to four times its live size before a full collection: the peak RSS of a
 * 100 000-message read was some 85 MB above a 10 000-message one. A fixed factor of 1.4 keeps
 * that within about 15 MB (docs/benchmarks.md, "Memory") at little cost in CPU, and sets no ceiling: a heap
 * that needs more still gets it, unlike --max-old-space-size.
 *
 * V8 reads the flag each time it sets the next limit (heap-controller.cc, GrowingFactor), so
 * setting it here is as good as on the command line, where NODE_OPTIONS may not carry it. A
 * `--heap-growing-percent` given to node itself wins (0: V8's own heuristics).
 */
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 40

/** Sets the factor, unless node was started with one of its own. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
