import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TlObject } from '../src/tl/tl-object.ts'
import { makeEmulator, signIn } from './rpc-fixture.ts'

test('a world of 100 000 channel messages is generated and paged through completely', async () => {
  const emu = makeEmulator({ world: { channels: 4, messagesPerChannel: 25_000, spanSeconds: 90 * 86400 } })
  await signIn(emu)
  const total = emu.world.channels.filter((c) => c.memberByDefault).reduce((n, c) => n + c.history.length, 0)
  assert.equal(total, 100_000)

  const channel = emu.world.channels[0]
  const peer = { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash }
  let offsetId = 0
  let seen = 0
  let previous = Number.POSITIVE_INFINITY
  for (;;) {
    const result = (await emu.call({
      _: 'messages.getHistory', peer, offset_id: offsetId, offset_date: 0, add_offset: 0, limit: 100, max_id: 0, min_id: 0, hash: 0n,
    })) as TlObject
    assert.equal(result.count, 25_000)
    const messages = result.messages as TlObject[]
    if (messages.length === 0) break
    for (const m of messages) {
      assert.ok((m.id as number) < previous)
      previous = m.id as number
    }
    seen += messages.length
    offsetId = messages[messages.length - 1].id as number
  }
  assert.equal(seen, 25_000)

  // A deep offset_date lands by binary search, mid-history.
  const mid = channel.history.dates[12_345]
  const page = (await emu.call({
    _: 'messages.getHistory', peer, offset_id: 0, offset_date: mid, add_offset: 0, limit: 10, max_id: 0, min_id: 0, hash: 0n,
  })) as TlObject
  assert.equal((page.messages as TlObject[])[0].id, channel.history.ids[channel.history.lowerBoundDate(mid) - 1])
})
