/**
 * GET /messages over dialog lists shaped as real accounts have them (docs/spec.md §4: every channel of
 * the account): a dialog whose top message was deleted (sent as messageEmpty, or missing from
 * the answer), a dialog sorted by a draft newer than its top message, pinned dialogs, and
 * channels in the archive (peer folder 1). None of them may end the dialog listing early or
 * leave a channel out. Each test runs the whole service against its own emulator world; the
 * listing's paging in small pages, all shapes together, is tested in test/telegram/channel-list.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { TlObject, WorldOptions } from '@telegram-connector/emulator/testing'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedChannelMessages, isoTime, memberChannels, messageKey } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 86_400
/** The whole span: every active channel has messages in it. */
const AFTER = NOW - SPAN - 10

async function withService(world: Partial<WorldOptions>, run: (service: Service) => Promise<void>): Promise<void> {
  const service = await startService({
    emulator: { world: { seed: 3, channels: 6, messagesPerChannel: 4, spanSeconds: SPAN, now: NOW, ...world } },
  })
  try {
    const phone = '+15556100001'
    assert.equal((await signIn(service.url, { phone })).status, 206)
    assert.equal((await signIn(service.url, { phone, password: service.emulator.lastCode(phone) })).status, 200)
    await run(service)
  } finally {
    await service.close()
  }
}

async function messageKeys(service: Service): Promise<string[]> {
  const response = await fetch(`${service.url}/messages?start_time=${isoTime(AFTER)}&end_time=${isoTime(NOW)}`)
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return (JSON.parse(text) as Array<{ id: number; peer_id: { channel_id: number } }>).map((m) => messageKey(m.peer_id.channel_id, m.id))
}

function expectedKeys(service: Service): string[] {
  return expectedChannelMessages(service.emulator.world, AFTER, NOW).map((ref) => messageKey(ref.channel.id, ref.id))
}

const dialogCalls = (service: Service): readonly TlObject[] => service.emulator.faults.counters.recentCalls('messages.getDialogs')

test('a channel on the second dialog page is read although a dialog on the first has lost its top message', async () => {
  // 104 channels, two more whose newest message was deleted (sorted first), two dormant ones,
  // the basic group and the private chat: 110 dialogs, two pages of 100.
  await withService({ channels: 104, deletedTopChannels: 2, dormantChannels: 2 }, async (service) => {
    const world = service.emulator.world
    const deleted = world.channels.filter((c) => c.dialog.deletedTop !== undefined)
    assert.deepEqual(deleted.map((c) => c.dialog.deletedTop?.shown), ['empty', 'missing'])

    const keys = await messageKeys(service)
    assert.deepEqual(keys, expectedKeys(service))
    // The oldest active channels sort onto the second page; they are in the answer.
    const onSecondPage = memberChannels(world)
      .filter((c) => c.dialog.deletedTop === undefined && c.history.topDate > AFTER)
      .sort((a, b) => a.history.topDate - b.history.topDate)
      .slice(0, 3)
    for (const channel of onSecondPage) assert.ok(keys.some((key) => key.startsWith(`${channel.id}:`)), `channel ${channel.id} read`)
    // And the channels whose top message is gone are read for what they still hold.
    for (const channel of deleted) assert.ok(keys.some((key) => key.startsWith(`${channel.id}:`)), `channel ${channel.id} read`)
    const mainPages = dialogCalls(service).filter((call) => call.folder_id === 0)
    assert.equal(mainPages.length, 2)
  })
})

test('a dialog sorted first by a draft newer than its old top message does not end the listing', async () => {
  // 104 channels besides: the dialogs after the drafted one reach a second page.
  await withService({ channels: 104, draftChannels: 1, dormantChannels: 2 }, async (service) => {
    const drafted = service.emulator.world.channels.filter((c) => c.dialog.draftDate !== undefined)
    assert.equal(drafted.length, 1)
    assert.ok(drafted[0].history.topDate <= AFTER, 'the drafted channel has no message in the window')
    const keys = await messageKeys(service)
    assert.ok(keys.length > 0)
    assert.deepEqual(keys, expectedKeys(service))
  })
})

test('channels in the archive folder are read, and pinned dialogs neither end the listing nor repeat', async () => {
  await withService({ pinnedChannels: 2, archivedChannels: 2, dormantChannels: 2 }, async (service) => {
    const world = service.emulator.world
    const archived = world.channels.filter((c) => c.dialog.folderId === 1)
    assert.equal(archived.length, 2)
    assert.equal(world.channels.filter((c) => c.dialog.pinned).length, 2)

    const keys = await messageKeys(service)
    assert.deepEqual(keys, expectedKeys(service))
    for (const channel of archived) assert.ok(keys.some((key) => key.startsWith(`${channel.id}:`)), `archived channel ${channel.id} read`)
    assert.deepEqual(dialogCalls(service).map((call) => call.folder_id).sort(), [0, 1])
  })
})
