/**
 * GET /messages/live?channels=… (docs/spec.md §10): only the named channels' events arrive (usernames,
 * bare or -100-prefixed ids); a channel the account is not in is a 404 naming it and a
 * malformed name a 400, both before the stream starts.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { openLive, type LiveRecord } from '../helpers/live-client.ts'
import { startService, type Service, signInWithCode } from '../helpers/service.ts'

const WORLD = { seed: 23, channels: 3, messagesPerChannel: 30, spanSeconds: 6 * 3600, now: Math.floor(Date.now() / 1000), discoverableChannels: 1 }

let emulator: Emulator
let service: Service

before(async () => {
  emulator = await startEmulator({ world: WORLD })
  service = await startService({ sharedEmulator: emulator })
  await signInWithCode(service.url, emulator, '+15557000023')
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const channelOf = (record: LiveRecord): number => (record.data.peer_id as { channel_id: number }).channel_id

test('only the named channels are streamed, named by username or by -100 id', async () => {
  const [first, second, third] = emulator.world.channels
  const live = openLive(service.url, { query: `channels=${first!.username},-100${third!.id}` })
  try {
    await live.opened()
    const texts = ['one', 'two', 'three', 'four', 'five', 'six']
    const order = [first!, second!, third!, second!, first!, third!]
    order.forEach((channel, i) => emulator.post(channel.id, texts[i]!))
    await live.next(4)
    // A later post in a named channel: had the other channel's two posts come through, they would be here by now.
    emulator.post(first!.id, 'seven')
    const events = await live.next(5)
    // Events of one channel come in order; channels may interleave.
    const byChannel = new Map<number, unknown[]>()
    for (const e of events) byChannel.set(channelOf(e), [...(byChannel.get(channelOf(e)) ?? []), e.data.message])
    assert.deepEqual(byChannel.get(first!.id), ['one', 'five', 'seven'])
    assert.deepEqual(byChannel.get(third!.id), ['three', 'six'])
    assert.ok(!byChannel.has(second!.id))
  } finally {
    live.close()
  }
})

test('a channel the account is not in is 404 CHANNEL_NOT_JOINED naming it; a malformed name is 400', async () => {
  const outside = emulator.world.channels.find((c) => !c.memberByDefault)!
  const response = await fetch(`${service.url}/messages/live?channels=${emulator.world.channels[0]!.username},${outside.username}`)
  assert.equal(response.status, 404)
  const problem = (await response.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'CHANNEL_NOT_JOINED')
  assert.match(problem.detail, new RegExp(`"${outside.username}"`))
  const malformed = await fetch(`${service.url}/messages/live?channels=not%20a%20name`)
  assert.equal(malformed.status, 400)
  assert.equal(((await malformed.json()) as { code: string }).code, 'BAD_REQUEST')
})
