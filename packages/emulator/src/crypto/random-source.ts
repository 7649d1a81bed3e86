import { createHash, randomBytes } from 'node:crypto'

/** Random bytes of a given length. Injected everywhere so tests can replay exact values. */
export type RandomSource = (length: number) => Buffer

export const secureRandom: RandomSource = (length) => randomBytes(length)

/**
 * A reproducible stream: SHA-256(seed ‖ counter) blocks. For tests and known-answer vectors
 * only — never for keys a real client relies on.
 */
export function seededRandom(seed: string): RandomSource {
  let counter = 0
  let pool = Buffer.alloc(0)
  return (length) => {
    while (pool.length < length) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest()
      pool = Buffer.concat([pool, block])
    }
    const out = pool.subarray(0, length)
    pool = pool.subarray(length)
    return Buffer.from(out)
  }
}
