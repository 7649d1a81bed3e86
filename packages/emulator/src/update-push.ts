import type { TlObject } from './tl/tl-object.ts'

/** A DC that can push to the sessions of one of its auth keys (EmulatorServer). */
export interface UpdateSink {
  /** Returns how many sessions got it (0: none connected, or the key is not this DC's). */
  pushUpdates(authKeyId: bigint, updates: TlObject): number
}

/** An auth key signed in on a DC. */
export interface KeyOnDc {
  authKeyId: bigint
  dcId: number
}

/**
 * Server → client pushes across the cluster (core.telegram.org/api/updates): to one auth key on
 * its DC, or to every key an account is signed in with, on whichever DCs they live. The wire
 * (session-host.ts) sends only to sessions that made a query outside invokeWithoutUpdates, in
 * the layer each key announced.
 */
export class UpdatePush {
  private readonly dcs: ReadonlyMap<number, UpdateSink>
  private readonly keysOf: (userId: number) => readonly KeyOnDc[]

  constructor(
    dcs: ReadonlyMap<number, UpdateSink>,
    keysOf: (userId: number) => readonly KeyOnDc[],
  ) {
    this.dcs = dcs
    this.keysOf = keysOf
  }

  toKey(dcId: number, authKeyId: bigint, updates: TlObject): number {
    return this.dcs.get(dcId)?.pushUpdates(authKeyId, updates) ?? 0
  }

  toUser(userId: number, updates: TlObject): number {
    let delivered = 0
    for (const key of this.keysOf(userId)) delivered += this.toKey(key.dcId, key.authKeyId, updates)
    return delivered
  }
}
