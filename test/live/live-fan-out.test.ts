/**
 * The live feed's fan-out: several subscribers share one update stream; one that stops reading
 * is closed once it is more than its allowance behind, while the others keep receiving
 * everything; a quiet stream still sends a heartbeat every 15 s (on an injected clock); the
 * metrics count subscribers and events.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { createServiceMetrics } from '../../src/metrics/service-metrics.ts'
import { openLive } from '../helpers/live-client.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'

const WORLD = { seed: 8, channels: 2, messagesPerChannel: 20, spanSeconds: 3600, now: Math.floor(Date.now() / 1000) }
const MAX_LAG = 5

let emulator: Emulator
let service: Service
const clock = new ManualClock(Date.now())
const metrics = createServiceMetrics({ processMetrics: false })

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  service = await startService({ sharedEmulator: emulator, live: { maxLag: MAX_LAG }, streamClock: clock, metrics })
  await signInWithCode(service.url, emulator, '+15557100001')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

describe('live fan-out', () => {
  test('a subscriber that stops reading is closed, while the others receive every event', async () => {
    const fast = [openLive(service.url), openLive(service.url)]
    const slow = service.live.subscribe({ after: null })
    const slowEvents = slow[Symbol.asyncIterator]()
    try {
      await Promise.all(fast.map((client) => client.opened()))
      const channel = emulator.world.channels[0]
      emulator.post(channel.id, 'everyone reads this')
      assert.equal((await slowEvents.next()).done, false)
      // The slow one reads nothing more; the stream goes on far past its allowance.
      const count = MAX_LAG * 3
      for (let i = 0; i < count; i++) emulator.post(channel.id, `burst ${i}`)
      for (const client of fast) {
        const events = await client.next(count + 1)
        assert.deepEqual(events.map((e) => e.data.message), ['everyone reads this', ...Array.from({ length: count }, (_, i) => `burst ${i}`)])
      }
      assert.equal((slow as unknown as { closedBecause: string | null }).closedBecause, 'lagging')
      assert.equal((await slowEvents.next()).done, true)
    } finally {
      slow.close()
      for (const client of fast) client.close()
    }
  })

  test('a quiet stream sends a heartbeat comment every 15 seconds', async () => {
    const live = openLive(service.url)
    try {
      await live.opened()
      for (let second = 0; second < 60; second += 15) {
        await clock.whenSleeping(1)
        clock.advance(15_000)
      }
      await live.whenHeartbeats(4)
      assert.equal(live.events.length, 0)
    } finally {
      live.close()
    }
  })

  test('metrics count open subscribers, events by kind and their delivery lag', async () => {
    const live = openLive(service.url)
    try {
      await live.opened()
      const channel = emulator.world.channels[1]
      emulator.post(channel.id, 'counted')
      await live.next(1)
      // The earlier tests' streams close as their sockets do, a moment after their clients left.
      let text = ''
      for (let tries = 0; tries < 100 && !/^live_subscribers 1$/m.test(text); tries++) {
        text = await (await fetch(`${service.url}/metrics`)).text()
        if (!/^live_subscribers 1$/m.test(text)) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.match(text, /^live_subscribers 1$/m)
      const messages = Number(/^live_events_total\{event="message"\} (\d+)$/m.exec(text)?.[1])
      assert.ok(messages >= 1, text)
      assert.match(text, /^live_delivery_lag_seconds_count \d+$/m)
      assert.match(text, /^live_events_total\{event="delete"\} 0$/m)
    } finally {
      live.close()
    }
  })
})
