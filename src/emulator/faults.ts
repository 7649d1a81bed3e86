import { DropConnectionSignal, RpcError } from './rpc/rpc-error.ts'

/**
 * Faults injected into RPCs, for tests of a client's retry and reconnect paths, and counters
 * of the RPCs served. A fault targets one method (`messages.getHistory`) or every call ('*'),
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

export class RpcCounters {
  private readonly perMethod = new Map<string, number>()
  private totalCount = 0

  count(method: string): void {
    this.perMethod.set(method, (this.perMethod.get(method) ?? 0) + 1)
    this.totalCount++
  }

  get(method: string): number {
    return this.perMethod.get(method) ?? 0
  }

  get total(): number {
    return this.totalCount
  }

  reset(): void {
    this.perMethod.clear()
    this.totalCount = 0
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.perMethod)
  }
}

export class Faults {
  readonly counters = new RpcCounters()
  private active: ActiveFault[] = []
  private rotateSaltsHook: (() => void) | undefined

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
