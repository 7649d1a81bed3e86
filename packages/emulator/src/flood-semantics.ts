/**
 * How the emulator's flood control behaves where Telegram documents nothing. Each knob is one
 * plausible reading of what clients report, so that a client can be proven against all of them:
 *
 * - `refill`: the bucket keeps refilling while a wait runs ('during-wait'), or starts again only
 *   once the wait is over ('after-wait': a call sent as the wait ends finds the bucket empty);
 * - `earlyCalls`: a call during a wait is answered with the seconds left ('ignored'), or restarts
 *   the penalty ('extend');
 * - `waitLength`: every wait is the penalty ('fixed'); the penalty give or take `jitter`
 *   ('jittered', seeded); or doubled, up to 8×, for each wait that starts within one penalty of
 *   the previous one's end ('growing': clients that keep pushing are pushed back harder);
 * - groups (`RateRule.group`, ./flood-control.ts): methods whose rules name one group spend one
 *   bucket;
 * - a limit that changes while a client reads (`FloodControl.changeRate`, `scheduleRate`).
 *
 * Pure but for the seeded generator each FloodControl owns.
 */
import { Prng } from './world/prng.ts'

export type RefillMode = 'during-wait' | 'after-wait'
export type EarlyCallMode = 'ignored' | 'extend'
export type WaitLengthMode = 'fixed' | 'jittered' | 'growing'

export interface FloodSemantics {
  refill: RefillMode
  earlyCalls: EarlyCallMode
  waitLength: WaitLengthMode
  /** Share of the penalty a jittered wait may differ by (default 0.3: 0.7× to 1.3×). */
  jitter: number
  /** Seeds the jitter (default 1). */
  seed: number
}

export const DEFAULT_SEMANTICS: FloodSemantics = { refill: 'during-wait', earlyCalls: 'ignored', waitLength: 'fixed', jitter: 0.3, seed: 1 }

export const REFILL_MODES: readonly RefillMode[] = ['during-wait', 'after-wait']
export const EARLY_CALL_MODES: readonly EarlyCallMode[] = ['ignored', 'extend']
export const WAIT_LENGTH_MODES: readonly WaitLengthMode[] = ['fixed', 'jittered', 'growing']

/** The longest a growing wait gets, in penalties. */
const MAX_GROWTH = 8

/** Checks a partial set of semantics and fills in the defaults; throws RangeError naming a bad value. */
export function semanticsOf(partial: Partial<FloodSemantics> = {}): FloodSemantics {
  const semantics = { ...DEFAULT_SEMANTICS, ...partial }
  if (!REFILL_MODES.includes(semantics.refill)) throw new RangeError(`refill must be one of ${REFILL_MODES.join(', ')}`)
  if (!EARLY_CALL_MODES.includes(semantics.earlyCalls)) throw new RangeError(`earlyCalls must be one of ${EARLY_CALL_MODES.join(', ')}`)
  if (!WAIT_LENGTH_MODES.includes(semantics.waitLength)) throw new RangeError(`waitLength must be one of ${WAIT_LENGTH_MODES.join(', ')}`)
  if (!(semantics.jitter >= 0 && semantics.jitter < 1)) throw new RangeError('jitter must be at least 0 and below 1')
  if (!Number.isInteger(semantics.seed)) throw new RangeError('seed must be an integer')
  return semantics
}

/** The lengths of the waits one account's method is given, by the semantics' `waitLength`. */
export class WaitLengths {
  readonly #random: Prng

  private readonly semantics: FloodSemantics

  constructor(semantics: FloodSemantics) {
    this.semantics = semantics
    this.#random = new Prng(semantics.seed)
  }

  /**
   * The wait, ms, for a call that finds the bucket empty at `now`: `previous` is the last wait's
   * growth and end (how many penalties it was, when it ended), or null.
   */
  next(penaltyMs: number, now: number, previous: { growth: number; endedAt: number } | null): { ms: number; growth: number } {
    switch (this.semantics.waitLength) {
      case 'fixed':
        return { ms: penaltyMs, growth: 1 }
      case 'jittered': {
        const factor = 1 - this.semantics.jitter + 2 * this.semantics.jitter * this.#random.float()
        return { ms: Math.max(1000, Math.round(penaltyMs * factor)), growth: 1 }
      }
      case 'growing': {
        const close = previous !== null && now - previous.endedAt < penaltyMs
        const growth = close ? Math.min(MAX_GROWTH, previous.growth * 2) : 1
        return { ms: penaltyMs * growth, growth }
      }
    }
  }
}
