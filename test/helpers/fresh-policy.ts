/**
 * A flood policy for tests that read Telegram directly (not through a gateway): a flood gate of
 * its own on a clock whose sleeps end at once — for tests of paging and listing, not of pacing (test/telegram/flood-gate.test.ts is for that).
 */
import type { FloodWaitPolicy } from '../../src/telegram/calls/call-with-flood-wait.ts'
import { FloodGate } from '../../src/telegram/calls/flood-gate.ts'
import { RecordingClock } from './recording-clock.ts'

export function freshPolicy(maxWaitSeconds = 10): FloodWaitPolicy {
  return {
    gate: new FloodGate({ clock: new RecordingClock() }),
    maxWaitSeconds: () => maxWaitSeconds,
    callTimeoutMs: 10_000,
  }
}
