/**
 * The account's flood limits as kept with the session (`SessionRecord.floodLimits`): what the
 * flood gate learned per method (./flood-pacer.ts), read back with every field checked, so that
 * a record from another version, or edited by hand, costs at most a relearning and never a start.
 */
import type { LearnedLimit } from './flood-pacer.ts'

export function readLearnedLimits(stored: Readonly<Record<string, unknown>> | undefined): Record<string, LearnedLimit> {
  const limits: Record<string, LearnedLimit> = {}
  for (const [method, value] of Object.entries(stored ?? {})) {
    const limit = learnedLimit(value)
    if (limit !== null && /^[a-zA-Z][\w.]*$/.test(method)) limits[method] = limit
  }
  return limits
}

function learnedLimit(value: unknown): LearnedLimit | null {
  if (typeof value !== 'object' || value === null) return null
  const { burst, pace, learned, fallback, tokens, at } = value as Record<string, unknown>
  const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0
  if (!positive(burst) || !(pace === null || positive(pace)) || typeof learned !== 'boolean') return null
  if (!(fallback === null || fallback === undefined || positive(fallback))) return null
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || typeof at !== 'number' || !Number.isFinite(at)) return null
  return { burst, pace, learned, fallback: fallback ?? null, tokens: Math.min(tokens, burst), at }
}
