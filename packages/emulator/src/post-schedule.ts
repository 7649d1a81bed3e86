/**
 * A steady stream of posts: every `everyMs`, the next member channel (in turn) gets a new
 * post with an invented text. `npm run emulator -- --post-every 5s` and the sandbox use it so
 * that a live feed has something to show; tests give it their own timer.
 */
import type { Emulator } from './emulator.ts'

export interface PostTimer {
  setInterval(run: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const realTimer: PostTimer = {
  setInterval: (run, ms) => {
    const handle = setInterval(run, ms)
    // A schedule alone never keeps a process alive.
    handle.unref()
    return handle
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
}

/** Starts posting; the function it returns stops it. */
export function startPostSchedule(emulator: Pick<Emulator, 'post' | 'world'>, everyMs: number, timer: PostTimer = realTimer): () => void {
  const channels = emulator.world.channels.filter((channel) => channel.memberByDefault)
  if (channels.length === 0 || !(everyMs > 0)) return () => {}
  let turn = 0
  const handle = timer.setInterval(() => {
    emulator.post(channels[turn % channels.length].id)
    turn++
  }, everyMs)
  return () => timer.clearInterval(handle)
}
