/**
 * A small seeded pseudo-random generator (mulberry32) and a 32-bit mixing function.
 *
 * Everything the emulator invents — the world, phone_code_hash values, SRP secrets — comes
 * from here so that one seed reproduces the same run. Not for real secrets.
 */

/** Murmur3's 32-bit finaliser applied over several inputs: a stable hash of small integers. */
export function mix32(...values: number[]): number {
  let h = 0x9e3779b9
  for (const value of values) {
    // Fold numbers beyond 32 bits (ids up to 2^53) in two halves so none of their bits is lost.
    const lo = value >>> 0
    const hi = Math.floor(value / 0x1_0000_0000) >>> 0
    h = Math.imul(h ^ lo, 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/** A 32-bit hash of a string (FNV-1a), for seeding from names such as phone numbers. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  }
  return h >>> 0
}

export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Next unsigned 32-bit value (mulberry32). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 0x1_0000_0000
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.float() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]
  }

  /** A signed 64-bit value with all 64 bits random (so most exceed 2^53 in magnitude). */
  int64(): bigint {
    const hi = BigInt(this.uint32())
    const lo = BigInt(this.uint32())
    return BigInt.asIntN(64, (hi << 32n) | lo)
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length)
    for (let i = 0; i < length; i += 4) {
      const value = this.uint32()
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (value >>> (8 * j)) & 0xff
    }
    return out
  }

  /** Lowercase hex string of `length` characters. */
  hex(length: number): string {
    return this.bytes(Math.ceil(length / 2)).toString('hex').slice(0, length)
  }
}
