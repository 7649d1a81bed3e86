import { RpcError } from '../rpc/rpc-error.ts'
import type { Prng } from './prng.ts'

/**
 * auth.exportAuthorization / auth.importAuthorization: how a key signed in on the account's
 * home DC lends that sign-in to a key on another DC (core.telegram.org/api/datacenter,
 * "Authorization transfer"). `export` on the home DC gives (id, bytes) for one target DC;
 * `take` on that DC redeems them once. Transfers are transient: a restart forgets them, as
 * the client would simply export again.
 */
export const TRANSFER_TTL_MS = 60_000

interface Transfer {
  userId: number
  toDc: number
  bytes: Buffer
  expiresAt: number
}

export class AuthorizationTransfers {
  private readonly transfers = new Map<string, Transfer>()

  private readonly prng: Prng
  private readonly clock: () => number

  constructor(
    prng: Prng,
    clock: () => number,
  ) {
    this.prng = prng
    this.clock = clock
  }

  export(userId: number, toDc: number): { id: bigint; bytes: Buffer } {
    const bytes = this.prng.bytes(32)
    this.transfers.set(bytes.toString('hex'), { userId, toDc, bytes, expiresAt: this.clock() + TRANSFER_TTL_MS })
    return { id: BigInt(userId), bytes }
  }

  /** The user the transfer signs in; AUTH_BYTES_INVALID for bytes not exported to this DC for that id. */
  take(id: bigint, bytes: Buffer, dcId: number): number {
    const hex = bytes.toString('hex')
    const transfer = this.transfers.get(hex)
    if (!transfer || BigInt(transfer.userId) !== id || transfer.toDc !== dcId || transfer.expiresAt <= this.clock()) {
      throw new RpcError(400, 'AUTH_BYTES_INVALID')
    }
    this.transfers.delete(hex)
    return transfer.userId
  }
}
