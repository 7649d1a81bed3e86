import type { RandomSource } from '../crypto/random-source.ts'

export interface FutureSalt {
  validSince: number
  validUntil: number
  salt: bigint
}

/** How long one salt stays current (Telegram's are valid for about an hour). */
export const SALT_PERIOD_SECONDS = 3600

/**
 * Server salts per auth key (core.telegram.org/mtproto/description#server-salt). A client
 * message carrying a salt the key does not currently have gets bad_server_salt with the current
 * one. Nothing is persisted: after a restart every client is told the salt once, exactly what
 * restored sessions need (they carry none).
 */
export class ServerSalts {
  private readonly byKey = new Map<bigint, FutureSalt[]>()

  /** `now` returns unix seconds. */
  private readonly random: RandomSource
  private readonly now: () => number

  constructor(
    random: RandomSource,
    now: () => number,
  ) {
    this.random = random
    this.now = now
  }

  /** The first salt, agreed by the key exchange: new_nonce[0:8] xor server_nonce[0:8]. */
  seed(authKeyId: bigint, salt: bigint): void {
    const now = this.now()
    this.byKey.set(authKeyId, [{ validSince: now, validUntil: now + SALT_PERIOD_SECONDS, salt }])
  }

  /** Whether `salt` is one the key may use now (the current salt, or a future one already handed out). */
  accepts(authKeyId: bigint, salt: bigint): boolean {
    const now = this.now()
    return this.live(authKeyId, now).some((s) => s.salt === salt)
  }

  current(authKeyId: bigint): bigint {
    return this.upcoming(authKeyId, 1)[0]!.salt
  }

  /** The current salt and the ones after it, `count` in all (get_future_salts, at most 64). */
  upcoming(authKeyId: bigint, count: number): FutureSalt[] {
    const now = this.now()
    const salts = this.live(authKeyId, now)
    const wanted = Math.max(1, Math.min(count, 64))
    while (salts.length < wanted) {
      const since = salts.length ? salts[salts.length - 1]!.validUntil : now
      salts.push({ validSince: since, validUntil: since + SALT_PERIOD_SECONDS, salt: this.random(8).readBigInt64LE(0) })
    }
    this.byKey.set(authKeyId, salts)
    return salts.slice(0, wanted)
  }

  /** Forgets every salt: each key's next message gets bad_server_salt (the "salt rotation" fault). */
  rotate(): void {
    this.byKey.clear()
  }

  forget(authKeyId: bigint): void {
    this.byKey.delete(authKeyId)
  }

  private live(authKeyId: bigint, now: number): FutureSalt[] {
    return (this.byKey.get(authKeyId) ?? []).filter((s) => s.validUntil > now)
  }
}
