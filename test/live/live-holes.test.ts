/**
 * Holes in the live feed, through the whole service and a living emulator whose pushes are
 * lost on purpose (UpdatePush.loseNext): a hole whose fill meets a flood wait longer than
 * FLOOD_WAIT_MAX is retried (on an injected clock) until it is filled, and nothing after it
 * comes first; a hole that cannot be filled in time is given up with an explicit `reset`
 * event, and the channel goes on; after lost pushes replayed by getChannelDifference, a
 * deletion comes in its place, never after later posts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { openLive, type LiveRecord } from '../helpers/live-client.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { pumpClock } from '../helpers/clock-pump.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'

const WORLD = { seed: 33, channels: 2, messagesPerChannel: 20, spanSeconds: 3600, now: Math.floor(Date.now() / 1000) }
/** Events a channel replays; more lost pushes than this make Telegram answer TooLong. */
const REPLAY_LIMIT = 5
const FILL_GIVE_UP_MS = 10 * 60_000

let emulator: Emulator
let service: Service
const clock = new ManualClock(Date.now())

before(async () => {
  emulator = await startEmulator({ world: WORLD, replayLimit: REPLAY_LIMIT })
  service = await startService({
    sharedEmulator: emulator,
    // No wait is sat through: a wait of any length is past what the service waits for.
    gateway: { clock, floodWaitMax: 1, floodWaitThreshold: 1 },
    live: { clock, fillGiveUpMs: FILL_GIVE_UP_MS },
  })
  await signInWithCode(service.url, emulator, '+15557300001')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const key = (record: LiveRecord): string => record.type === 'message' ? `message ${String(record.data.message)}` : `${record.type} ${JSON.stringify(record.data.ids ?? record.data.channel_id)}`

/** Posts `count` messages whose pushes are lost, then one that is pushed: its pts shows the gap. */
function gapThenPost(channelId: number, label: string, count: number): string[] {
  emulator.updates.loseNext(count)
  const texts = Array.from({ length: count + 1 }, (_, i) => `${label} ${i}`)
  for (const text of texts) emulator.post(channelId, text)
  return texts.map((text) => `message ${text}`)
}

describe('holes in the live feed', () => {
  test('a hole whose fill meets a flood wait past FLOOD_WAIT_MAX is filled once it is over: nothing skipped, nothing out of order', async () => {
    const channel = emulator.world.channels[0]
    const live = openLive(service.url)
    const pump = pumpClock(clock, 31_000)
    try {
      await live.opened()
      emulator.post(channel.id, 'before the hole')
      await live.next(1)
      const calls = emulator.faults.counters.get('messages.getHistory')
      emulator.faults.floodWait('messages.getHistory', 30, { times: 2 })
      const expected = gapThenPost(channel.id, 'in the hole', REPLAY_LIMIT * 3)
      const events = await live.next(1 + expected.length)
      assert.deepEqual(events.slice(1).map(key), expected)
      assert.ok(emulator.faults.counters.get('messages.getHistory') - calls >= 3, 'the fill met both flood waits, then read')
      assert.match(service.logText(), /could not read a channel's missed messages; retrying/)
    } finally {
      pump.stop()
      emulator.faults.clear()
      live.close()
    }
  })

  test('a hole that cannot be filled in time is given up with a reset event naming the channel and the window, then the channel goes on', async () => {
    const channel = emulator.world.channels[1]
    const live = openLive(service.url)
    const pump = pumpClock(clock, 61_000)
    try {
      await live.opened()
      emulator.post(channel.id, 'the last one seen')
      const [seen] = await live.next(1)
      emulator.faults.floodWait('messages.getHistory', 60)
      gapThenPost(channel.id, 'lost for good', REPLAY_LIMIT * 2)
      const [, reset] = await live.next(2)
      assert.equal(reset.type, 'reset')
      assert.equal(reset.data.channel_id, channel.id)
      assert.equal(reset.data.start_time, seen.data.date, 'the window starts at the last message the feed gave')
      assert.ok(Date.parse(String(reset.data.end_time)) > Date.parse(String(reset.data.start_time)))
      assert.equal(reset.data.reason, 'FLOOD_WAIT')
      emulator.faults.clear()
      emulator.post(channel.id, 'after the reset')
      // The channel goes on; the posts of the window, readable again, may come before it.
      await live.until((events) => events.some((event) => key(event) === 'message after the reset'))
      const afterReset = live.events.slice(2).map(key)
      assert.equal(afterReset.at(-1), 'message after the reset')
      for (const event of afterReset.slice(0, -1)) assert.match(event, /^message lost for good \d+$/)
    } finally {
      pump.stop()
      emulator.faults.clear()
      live.close()
    }
  })

  test('after lost pushes, a deletion comes in its place: never after later posts of its channel', async () => {
    const channel = emulator.world.channels[0]
    const live = openLive(service.url)
    try {
      await live.opened()
      emulator.post(channel.id, 'kept')
      await live.next(1)
      // Lost: a post, a second one, the first deleted, a third. Then one that is pushed.
      emulator.updates.loseNext(4)
      const first = emulator.post(channel.id, 'deleted in the gap')
      emulator.post(channel.id, 'gap 1')
      const deleted = emulator.delete(channel.id, [first.kind === 'new' ? first.id : 0])
      emulator.post(channel.id, 'gap 2')
      emulator.post(channel.id, 'pushed')
      const events = await Promise.race([live.next(5), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(JSON.stringify(live.events.map(key)))), 5000))])
      assert.equal(deleted.kind, 'delete')
      assert.deepEqual(events.slice(1).map(key), ['message gap 1', `delete ${JSON.stringify([first.kind === 'new' ? first.id : 0])}`, 'message gap 2', 'message pushed'])
    } finally {
      live.close()
    }
  })
})
