/**
 * Who this process is, as written into the session lease, and how to tell whether the process
 * that wrote a lease is still running. A pid says something only to a process that sees the
 * same pid space: the same boot of the same host and the same pid namespace (two containers on
 * one host both run a pid 1). Where that cannot be established, a lease is judged by its expiry
 * alone.
 */
import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'

export interface LeaseIdentity {
  hostname: string
  pid: number
  /**
   * The pid space this process sees (Linux: boot id and pid namespace), or null when unknown.
   * Pids are compared only between leases written from the same host name and pid space.
   */
  pidScope: string | null
  /** Whether a process with this pid runs in our pid space. */
  isAlive(pid: number): boolean
}

export function localIdentity(): LeaseIdentity {
  return { hostname: hostname(), pid: process.pid, pidScope: localPidScope(), isAlive: processIsAlive }
}

/** The name a lease carries for this process in messages: host name and pid. */
export function holderName(identity: Pick<LeaseIdentity, 'hostname' | 'pid'>): string {
  return `${identity.hostname}:${identity.pid}`
}

/**
 * /proc/sys/kernel/random/boot_id changes at every boot; /proc/self/ns/pid names the pid
 * namespace ("pid:[4026531836]"), which differs between containers.
 */
function localPidScope(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const namespace = readlinkSync('/proc/self/ns/pid')
    return boot === '' ? null : `${boot}/${namespace}`
  } catch {
    return null
  }
}

/** kill(pid, 0) checks without signalling (kill(2)): ESRCH means no such process; EPERM means one runs as another user. */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
