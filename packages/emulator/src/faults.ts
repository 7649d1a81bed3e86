import { DropConnectionSignal, RpcError } from './rpc/rpc-error.ts'
import type { TlObject } from './tl/tl-object.ts'

/**
 * Faults injected into RPCs, for tests of a client's retry and reconnect paths, and counters
 * of the RPCs served (calls, calls in flight, recent parameters). A fault targets one method (`messages.getHistory`) or every call ('*'),
 * and clears itself after `times` calls when given.
 */

export type Fault =
  | { kind: 'floodWait'; seconds: number }
  | { kind: 'drop' }
  | { kind: 'latency'; ms: number }
  | { kind: 'error'; code: number; text: string }

interface ActiveFault {
  fault: Fault
  method: string
  remaining: number
}

export interface FaultLimit {
  /** Calls the fault applies to before it clears (default: until cleared). */
  times?: number
}

/** What the counters keep of one method. */
interface MethodCalls {
  count: number
  inFlight: number
  maxInFlight: number
  /** The latest calls' parameters, oldest first, at most RECENT_CALLS_KEPT. */
  recent: TlObject[]
}

/**
 * What the dispatcher has been asked, per method: how many calls, how many are being answered
 * at once (latency faults make calls overlap), and the parameters of the latest ones, so tests
 * read what a client really sent over the wire.
 */
export class RpcCounters {
  /** Calls kept per method by `recentCalls`; a long-running emulator stays bounded. */
  static readonly RECENT_CALLS_KEPT = 1000
  private readonly perMethod = new Map<string, MethodCalls>()
  private totalCount = 0

  /** One call reached the dispatcher; the function returned marks it answered (or failed). */
  start(call: TlObject): () => void {
    const entry = this.entry(call._)
    entry.count++
    this.totalCount++
    entry.inFlight++
    entry.maxInFlight = Math.max(entry.maxInFlight, entry.inFlight)
    entry.recent.push(call)
    if (entry.recent.length > RpcCounters.RECENT_CALLS_KEPT) entry.recent.shift()
    let finished = false
    return () => {
      if (finished) return
      finished = true
      entry.inFlight--
    }
  }

  get(method: string): number {
    return this.perMethod.get(method)?.count ?? 0
  }

  get total(): number {
    return this.totalCount
  }

  /** Calls of `method` being answered right now. */
  inFlight(method: string): number {
    return this.perMethod.get(method)?.inFlight ?? 0
  }

  /** The most calls of `method` answered at once since the last reset. */
  maxInFlight(method: string): number {
    return this.perMethod.get(method)?.maxInFlight ?? 0
  }

  /** The parameters of the latest calls of `method` since the last reset, oldest first. */
  recentCalls(method: string): readonly TlObject[] {
    return this.perMethod.get(method)?.recent ?? []
  }

  /** Forgets counts, maxima and recent calls; calls still in flight stay counted as in flight. */
  reset(): void {
    for (const entry of this.perMethod.values()) {
      entry.count = 0
      entry.maxInFlight = entry.inFlight
      entry.recent = []
    }
    this.totalCount = 0
  }

  toJSON(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const [method, entry] of this.perMethod) if (entry.count > 0) counts[method] = entry.count
    return counts
  }

  private entry(method: string): MethodCalls {
    let entry = this.perMethod.get(method)
    if (entry === undefined) {
      entry = { count: 0, inFlight: 0, maxInFlight: 0, recent: [] }
      this.perMethod.set(method, entry)
    }
    return entry
  }
}

export class Faults {
  readonly counters = new RpcCounters()
  private active: ActiveFault[] = []
  private strays: Array<{ method: string, remaining: number }> = []
  private rotateSaltsHook: (() => void) | undefined

  /**
   * The next results of `method` are sent twice: once as the answer, once more as an
   * rpc_result for a msg_id the client never sent — as a DC does when it answers a request the
   * client has already given up on (in another session, or after a restart), so the client
   * meets a result it cannot match. Counts answered calls only.
   */
  strayAnswer(method: string, limit: FaultLimit = {}): this {
    this.strays.push({ method, remaining: limit.times ?? Number.POSITIVE_INFINITY })
    return this
  }

  /** Whether the result of this answered call of `method` is to be sent again as a stray (uses one of its times). */
  takeStrayAnswer(method: string): boolean {
    const stray = this.strays.find((s) => s.method === method || s.method === '*')
    if (stray === undefined) return false
    stray.remaining--
    this.strays = this.strays.filter((s) => s.remaining > 0)
    return true
  }

  /** The next calls answer 420 FLOOD_WAIT_<seconds>. */
  floodWait(method: string, seconds: number, limit: FaultLimit = {}): this {
    return this.add(method, { kind: 'floodWait', seconds }, limit)
  }

  /** The next calls close the connection without an answer. */
  dropConnection(method: string, limit: FaultLimit = {}): this {
    return this.add(method, { kind: 'drop' }, limit)
  }

  /** The next calls fail with any RPC error, e.g. 500 INTERNAL or 303 NETWORK_MIGRATE_<dc>. */
  rpcError(method: string, code: number, text: string, limit: FaultLimit = {}): this {
    return this.add(method, { kind: 'error', code, text }, limit)
  }

  /** The next calls are answered `ms` later. */
  latency(method: string, ms: number, limit: FaultLimit = {}): this {
    return this.add(method, { kind: 'latency', ms }, limit)
  }

  /** Removes the faults of one method ('*' included), or all of them. */
  clear(method?: string): void {
    this.active = method === undefined ? [] : this.active.filter((f) => f.method !== method)
    this.strays = method === undefined ? [] : this.strays.filter((s) => s.method !== method)
  }

  /** The wire registers how to rotate server salts; tests call `rotateSalts()`. */
  onRotateSalts(hook: (() => void) | undefined): void {
    this.rotateSaltsHook = hook
  }

  rotateSalts(): void {
    if (!this.rotateSaltsHook) throw new Error('no wire has registered a salt rotation hook')
    this.rotateSaltsHook()
  }

  /**
   * Applies the faults matching `method` to one call: waits out latency, then throws
   * DropConnectionSignal, or the first FLOOD_WAIT / RPC error fault in the order they were
   * added. Each matching fault uses up one of its times.
   */
  async apply(method: string, sleep: (ms: number) => Promise<void>): Promise<void> {
    const matching = this.active.filter((f) => f.method === method || f.method === '*')
    if (matching.length === 0) return
    for (const f of matching) f.remaining--
    this.active = this.active.filter((f) => f.remaining > 0)

    const delay = matching.reduce((sum, f) => sum + (f.fault.kind === 'latency' ? f.fault.ms : 0), 0)
    if (delay > 0) await sleep(delay)
    if (matching.some((f) => f.fault.kind === 'drop')) throw new DropConnectionSignal()
    for (const { fault } of matching) {
      if (fault.kind === 'floodWait') throw new RpcError(420, `FLOOD_WAIT_${fault.seconds}`)
      if (fault.kind === 'error') throw new RpcError(fault.code, fault.text)
    }
  }

  private add(method: string, fault: Fault, limit: FaultLimit): this {
    this.active.push({ fault, method, remaining: limit.times ?? Number.POSITIVE_INFINITY })
    return this
  }
}
