import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startEmulator } from '../src/emulator.ts'
import { startPostSchedule, type PostTimer } from '../src/post-schedule.ts'

/** A timer the test fires by hand. */
function manualTimer(): PostTimer & { fire(): void; running: boolean } {
  let run: (() => void) | undefined
  return {
    setInterval: (fn) => {
      run = fn
      return 1
    },
    clearInterval: () => {
      run = undefined
    },
    fire: () => run?.(),
    get running() {
      return run !== undefined
    },
  }
}

test('a post schedule posts in each member channel in turn, one step of pts each, until stopped', async () => {
  const emu = await startEmulator({ world: { seed: 3, channels: 2, messagesPerChannel: 10, spanSeconds: 3600, now: 1_751_000_000 }, clock: () => 1_751_000_100_000 })
  try {
    const [a, b] = emu.world.channels
    const start = [a.log.pts, b.log.pts]
    const timer = manualTimer()
    const stop = startPostSchedule(emu, 5_000, timer)
    for (let i = 0; i < 3; i++) timer.fire()
    assert.deepEqual([a.log.pts - start[0], b.log.pts - start[1]], [2, 1])
    assert.equal(a.history.topDate, 1_751_000_100)
    stop()
    assert.equal(timer.running, false)
  } finally {
    await emu.stop()
  }
})
