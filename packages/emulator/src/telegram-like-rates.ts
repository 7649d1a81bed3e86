/**
 * The flood control the sandbox runs with, so that what a newcomer meets is what production does.
 * Telegram publishes no numbers; these follow what clients report:
 *
 * - `messages.getHistory`: about 30 calls (3 000 messages) per 30 seconds per account — a burst
 *   of 30, then one call a second, and a 15 s wait past that (the wait clients commonly see
 *   first). Reading the demo week (4 channels × 400 messages, 16 pages and a few short ones)
 *   fits in the burst;
 * - `auth.sendCode`: login codes are limited hardest — 5 at once, then one per 50 s, 60 s waits;
 * - `auth.signIn`, `auth.checkPassword`: wrong codes and passwords — 10 at once, then one per 10 s;
 * - everything else (`*`, which leaves the rest of auth.* and help.* alone): 50 at once, then two
 *   a second, 10 s waits — far above what the service calls them.
 */
import type { RateRule } from './flood-control.ts'

export const TELEGRAM_LIKE_RATES: readonly RateRule[] = [
  { method: 'messages.getHistory', burst: 30, perSecond: 1, penaltySeconds: 15 },
  { method: 'auth.sendCode', burst: 5, perSecond: 0.02, penaltySeconds: 60 },
  { method: 'auth.signIn', burst: 10, perSecond: 0.1, penaltySeconds: 30 },
  { method: 'auth.checkPassword', burst: 10, perSecond: 0.1, penaltySeconds: 30 },
  { method: '*', burst: 50, perSecond: 2, penaltySeconds: 10 },
]
