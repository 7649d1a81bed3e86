/**
 * src/telegram/channels/channel-list.ts against the emulator over TCP with a real mtcute client, in
 * small dialog pages so that every way a page can end is crossed: pinned dialogs filling a
 * page, the archive's dialogFolder, top messages deleted (messageEmpty, or missing), a draft
 * sorting a quiet channel first, a min channel, dormant channels that end the listing. The
 * world is the answer key: every member channel whose top message may be newer than the
 * window's start is listed once, the min channel is reported instead.
 */
import { after, before, beforeEach, test } from 'node:test'
import assert from 'node:assert/strict'
import type { TelegramClient } from '@mtcute/node'
import type { TlObject, WorldChannel } from '@telegram-connector/emulator/testing'
import { listChannels, type DateWindow } from '../../src/telegram/channels/channel-list.ts'
import { memberChannels } from '../helpers/world-messages.ts'
import { signedInClient, startHarness, type Harness } from './gateway-fixture.ts'
import { freshPolicy } from '../helpers/fresh-policy.ts'

const NOW = 1_751_328_000
const SPAN = 86_400
const WINDOW: DateWindow = { after: NOW - SPAN, upTo: NOW }
const policy = freshPolicy()

let h: Harness
let client: TelegramClient

before(async () => {
  h = await startHarness({
    world: {
      seed: 8,
      channels: 7,
      messagesPerChannel: 5,
      spanSeconds: SPAN,
      now: NOW,
      dormantChannels: 3,
      pinnedChannels: 3,
      archivedChannels: 3,
      deletedTopChannels: 2,
      draftChannels: 1,
      minChannels: 1,
    },
  })
  ;({ client } = await signedInClient(h))
})
after(async () => {
  await client?.destroy()
  await h?.close()
})
beforeEach(() => h.emulator.faults.counters.reset())

/** Channels that may hold messages of the window: a top message newer than its start, or one not known. */
function mayHoldMessages(channel: WorldChannel): boolean {
  return channel.dialog.deletedTop !== undefined || channel.history.topDate > WINDOW.after
}

const ids = (channels: readonly { id: number }[]): number[] => channels.map((c) => c.id).sort((a, b) => a - b)

for (const pageSize of [1, 2, 3, 5, 100]) {
  test(`in pages of ${pageSize} every channel that may hold messages is listed once, and the min channel is reported`, async () => {
    const world = h.emulator.world
    const listing = await listChannels(client, policy, WINDOW, pageSize)
    const readable = memberChannels(world).filter((c) => !c.dialog.min && mayHoldMessages(c))
    assert.deepEqual(ids(listing.channels), ids(readable))
    assert.equal(new Set(listing.channels.map((c) => c.id)).size, listing.channels.length, 'each once')
    const min = world.channels.find((c) => c.dialog.min)!
    assert.deepEqual(listing.skipped, [{ id: min.id, reason: 'no_access_hash' }])
    // A channel whose top message is gone has no known date: it is read from the window's end.
    for (const channel of listing.channels) {
      const deleted = world.channelsById.get(channel.id)!.dialog.deletedTop !== undefined
      assert.equal(channel.topDate, deleted ? Infinity : world.channelsById.get(channel.id)!.history.topDate)
    }
    const calls = h.emulator.faults.counters.recentCalls('messages.getDialogs')
    assert.ok(calls.some((call) => call.folder_id === 1), 'the archive is listed')
    if (pageSize <= 3) {
      // The first page of the main list is the dialogFolder and pinned dialogs only: all the
      // pinned ones are taken at once, and the rest is listed from the start without them.
      assert.deepEqual(
        h.emulator.faults.counters.recentCalls('messages.getPinnedDialogs').map((call) => call.folder_id),
        [0],
      )
      assert.ok(calls.some((call: TlObject) => call.folder_id === 0 && call.exclude_pinned === true && call.offset_date === 0))
    }
  })
}

test('the listing ends at the first unpinned dialog no newer than the window, before the dormant channels', async () => {
  const listing = await listChannels(client, policy, WINDOW, 2)
  assert.ok(listing.channels.length > 0)
  const calls = h.emulator.faults.counters.recentCalls('messages.getDialogs').filter((call) => call.folder_id === 0)
  // 7 channels, 2 deleted tops, 1 draft, 3 dormant, 1 min, the basic group, the private chat and
  // the dialogFolder: 17 entries, 9 pages of 2 if read to the end; the dormant ones sort last.
  assert.ok(calls.length < 9, `${calls.length} pages of the main list`)
  const dormant = new Set(memberChannels(h.emulator.world).filter((c) => !mayHoldMessages(c) && c.dialog.draftDate === undefined).map((c) => c.id))
  assert.equal(dormant.size, 3)
  assert.ok(listing.channels.every((c) => !dormant.has(c.id)))
})
