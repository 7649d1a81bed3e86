/**
 * src/telegram/history/channel-history.ts against the emulator over TCP, directly and through the
 * gateway: a real mtcute client reads a generated world whose histories are the answer key
 * (test/helpers/world-messages.ts), and the emulator's counters tell what Telegram was asked —
 * how many calls, with which parameters, how many at once.
 *
 * The world: six member channels of 500 messages over two days (dates collide across channels
 * by chance and inside albums), four dormant member channels whose last message is older than
 * those two days, one channel the account is not in, a private chat and a basic group.
 */
import { after, before, beforeEach, test } from 'node:test'
import assert from 'node:assert/strict'
import type { TelegramClient } from '@mtcute/node'
import { AppError } from '../../src/core/errors.ts'
import type { TlObject, History, World } from '@telegram-connector/emulator/testing'
import { channelMessages, type ChannelHistoryOptions, type ChannelMessage, type DateWindow } from '../../src/telegram/history/channel-history.ts'
import type { TelegramGateway } from '../../src/telegram/gateway.ts'
import type { TelethonDict } from '../../src/telegram/history/telethon-shape.ts'
import { expectedChannelMessages, memberChannels, nonChannelMessageCount, serviceChannelMessages } from '../helpers/world-messages.ts'
import { signedInClient, startHarness, type Harness } from './gateway-fixture.ts'
import { RecordingClock } from '../helpers/recording-clock.ts'
import { freshPolicy } from '../helpers/fresh-policy.ts'

/** 2025-07-01T00:00:00Z. */
const NOW = 1_751_328_000
const SPAN = 2 * 86_400
const WORLD_START = NOW - SPAN
/** A day inside the span: every active channel has pages of it, no dormant channel has any. */
const WINDOW: DateWindow = { after: NOW - 30 * 3600, upTo: NOW - 6 * 3600 }
/** Wide enough for every history, dormant ones included. */
const EVERYTHING: DateWindow = { after: NOW - 200 * 86_400, upTo: NOW }
const PAGE = 100

let h: Harness
let gateway: TelegramGateway
/** The gateway's client's session, imported: calls go over TCP with the gateway's auth key. */
let client: TelegramClient

before(async () => {
  h = await startHarness({
    world: {
      seed: 42,
      channels: 6,
      messagesPerChannel: 500,
      spanSeconds: SPAN,
      now: NOW,
      privateChatMessages: 60,
      basicGroupMessages: 80,
      discoverableChannels: 1,
      dormantChannels: 4,
    },
  })
  ;({ gateway, client } = await signedInClient(h))
})
after(async () => {
  await client?.destroy()
  await h?.close()
})
beforeEach(() => {
  h.emulator.faults.clear()
  h.emulator.faults.counters.reset()
})

/** A gateway with a gate and a clock of its own, for tests of what it waits. */
async function gatewayWithClock(): Promise<{ gateway: TelegramGateway; clock: RecordingClock }> {
  const clock = new RecordingClock()
  return { gateway: await h.open(h.store(), { clock }), clock }
}

function read(window: DateWindow, options: Partial<ChannelHistoryOptions> = {}): AsyncGenerator<ChannelMessage> {
  return channelMessages(client, window, { policy: freshPolicy(), ...options })
}

async function collect(source: AsyncIterable<ChannelMessage>): Promise<string[]> {
  const out: string[] = []
  for await (const { message, channel } of source) out.push(`${channel.id}/${message.id}@${message.date}`)
  return out
}

/** The world's answer: member channels, no service messages, newest first, ties by channel id then message id. */
function expected(world: World, window: DateWindow): string[] {
  return expectedChannelMessages(world, window.after, window.upTo).map((m) => `${m.channel.id}/${m.id}@${m.date}`)
}

const callsOf = (method: string): readonly TlObject[] => h.emulator.faults.counters.recentCalls(method)

/**
 * The getHistory calls that read `history` over the window, as core.telegram.org/api/offsets
 * pages it: first the 100 newest messages dated before upTo + 1, then the 100 below the oldest
 * id seen, until a page runs short or reaches a message dated no later than the window's start.
 */
function expectedHistoryOffsets(history: History, window: DateWindow): Array<{ offset_id: number; offset_date: number }> {
  const calls = [{ offset_id: 0, offset_date: window.upTo + 1 }]
  let end = history.upperBoundDate(window.upTo)
  for (;;) {
    const oldest = end - PAGE
    if (oldest < 0 || history.dates[oldest] <= window.after) return calls
    calls.push({ offset_id: history.ids[oldest], offset_date: 0 })
    end = oldest
  }
}

/** Every getHistory call a full read of the window makes, per channel id, in order. */
function expectedHistoryCalls(world: World, window: DateWindow): Map<number, Array<{ offset_id: number; offset_date: number }>> {
  const calls = new Map<number, Array<{ offset_id: number; offset_date: number }>>()
  for (const channel of memberChannels(world)) {
    if (channel.history.topDate > window.after) calls.set(channel.id, expectedHistoryOffsets(channel.history, window))
  }
  return calls
}

interface WorldDialog {
  topDate: number
  topId: number
  peerId: number
  inputPeer: TlObject
}

/** The account's dialogs in Telegram's order: newest top message first (then top id, then peer id). */
function worldDialogs(world: World): WorldDialog[] {
  const dialogs: WorldDialog[] = [
    ...memberChannels(world).map((c) => ({
      history: c.history,
      peerId: c.id,
      inputPeer: { _: 'inputPeerChannel', channel_id: c.id, access_hash: c.accessHash },
    })),
    ...world.chats.map((c) => ({ history: c.history, peerId: c.id, inputPeer: { _: 'inputPeerChat', chat_id: c.id } })),
    ...world.privateChats.map((c) => ({
      history: c.history,
      peerId: c.userId,
      inputPeer: { _: 'inputPeerUser', user_id: c.userId, access_hash: world.usersById.get(c.userId)!.accessHash },
    })),
  ].map(({ history, peerId, inputPeer }) => ({ topDate: history.topDate, topId: history.topId, peerId, inputPeer }))
  return dialogs.sort((a, b) => b.topDate - a.topDate || b.topId - a.topId || b.peerId - a.peerId)
}

test('yields exactly the channel messages of the window, newest first across channels, ties by channel id then message id', async () => {
  const world = h.emulator.world
  const want = expected(world, WINDOW)
  assert.ok(want.length > 1000, `a window of many pages (${want.length})`)
  // What the window must leave out, and the ties its order must break, are there.
  assert.ok(serviceChannelMessages(world, WINDOW.after, WINDOW.upTo).length > 0, 'service messages in the window')
  const others = nonChannelMessageCount(world, WINDOW.after, WINDOW.upTo)
  assert.ok(others.privateChats > 0 && others.basicGroups > 0, 'private chat and basic group messages in the window')

  const got = await collect(read(WINDOW, { dialogPageSize: 3 }))
  assert.deepEqual(got, want)
  let acrossChannels = 0
  let withinChannel = 0
  const parse = (entry: string): number[] => entry.split(/[/@]/).map(Number)
  for (let i = 1; i < got.length; i++) {
    const [aChannel, aId, aDate] = parse(got[i - 1])
    const [bChannel, bId, bDate] = parse(got[i])
    if (aDate !== bDate) continue
    if (aChannel === bChannel) {
      withinChannel++
      assert.ok(aId > bId, `${aId} before ${bId} in channel ${aChannel}`)
    } else {
      acrossChannels++
      assert.ok(aChannel < bChannel, `channel ${aChannel} before ${bChannel}`)
    }
  }
  assert.ok(acrossChannels > 0, 'messages of different channels share a date')
  assert.ok(withinChannel > 0, 'messages of one channel share a date')
})

test('a window covering whole histories still yields every message exactly once, dormant channels included', async () => {
  const world = h.emulator.world
  const want = expected(world, EVERYTHING)
  const got = await collect(read(EVERYTHING))
  assert.deepEqual(got, want)
  assert.equal(new Set(got).size, got.length)
  const channelsRead = new Set(got.map((entry) => Number(entry.split('/')[0])))
  assert.deepEqual([...channelsRead].sort(), memberChannels(world).map((c) => c.id).sort())
  assert.equal(memberChannels(world).filter((c) => c.history.topDate <= WORLD_START).length, 4, 'four dormant channels')
})

test('asks for 100 messages a page, starting just after the window end, and never reads channels older than the window or outside the dialogs', async () => {
  const world = h.emulator.world
  const got = await collect(read(WINDOW))
  assert.equal(got.length, expected(world, WINDOW).length)

  const want = expectedHistoryCalls(world, WINDOW)
  const calls = callsOf('messages.getHistory')
  const byChannel = new Map<number, Array<{ offset_id: number; offset_date: number }>>()
  for (const call of calls) {
    const peer = call.peer as TlObject
    const channel = world.channelsById.get(Number(peer.channel_id))
    assert.ok(channel !== undefined, `a world channel: ${String(peer.channel_id)}`)
    assert.deepEqual(call, {
      _: 'messages.getHistory',
      peer: { _: 'inputPeerChannel', channel_id: channel.id, access_hash: channel.accessHash },
      offset_id: call.offset_id,
      offset_date: call.offset_date,
      add_offset: 0,
      limit: 100,
      max_id: 0,
      min_id: 0,
      hash: 0n,
    })
    const list = byChannel.get(channel.id) ?? []
    list.push({ offset_id: call.offset_id as number, offset_date: call.offset_date as number })
    byChannel.set(channel.id, list)
  }
  assert.deepEqual(byChannel, want)
  // The calls above include pages after the first, and channels the window had to skip exist.
  assert.ok([...want.values()].some((pages) => pages.length > 2), 'some channel needs a third page')
  assert.equal(want.size, 6)
  const skipped = world.channels.filter((c) => !want.has(c.id))
  assert.equal(skipped.filter((c) => c.memberByDefault && c.history.topDate <= WINDOW.after).length, 4, 'dormant channels not read')
  assert.equal(skipped.filter((c) => !c.memberByDefault).length, 1, 'the channel outside the dialogs not read')
})

test('pages the dialog list by the offsets of the last dialog and stops at the first dialog older than the window', async () => {
  const world = h.emulator.world
  const window = { after: WORLD_START, upTo: NOW }
  const got = await collect(read(window, { dialogPageSize: 2 }))
  assert.deepEqual(got, expected(world, window))

  const dialogs = worldDialogs(world)
  const firstOlder = dialogs.findIndex((d) => d.topDate <= window.after)
  const pages = Math.floor(firstOlder / 2) + 1
  // 12 dialogs, 2 a page: the dormant channels sort last and the listing ends on the page where
  // the first of them shows, before the last page.
  assert.equal(dialogs.length, 12)
  assert.ok(pages < dialogs.length / 2, `stops after ${pages} pages`)
  const offsets = [
    { offset_date: 0, offset_id: 0, offset_peer: { _: 'inputPeerEmpty' } },
    ...Array.from({ length: pages - 1 }, (_, k) => {
      const last = dialogs[2 * k + 1]
      return { offset_date: last.topDate, offset_id: last.topId, offset_peer: last.inputPeer }
    }),
  ]
  const calls = callsOf('messages.getDialogs')
  assert.deepEqual(
    calls.filter((call) => call.folder_id === 0),
    offsets.map((offset) => ({ _: 'messages.getDialogs', exclude_pinned: false, folder_id: 0, ...offset, limit: 2, hash: 0n })),
  )
  // The archive is listed too, and is empty here.
  assert.deepEqual(
    calls.filter((call) => call.folder_id !== 0),
    [{ _: 'messages.getDialogs', exclude_pinned: false, folder_id: 1, ...offsets[0], limit: 2, hash: 0n }],
  )
})

test('a window after every channel has gone quiet lists the dialogs once and reads no history', async () => {
  const quiet = { after: NOW + 60, upTo: NOW + 3600 }
  assert.deepEqual(await collect(read(quiet)), [])
  // One page of the main list, one of the archive.
  assert.equal(h.emulator.faults.counters.get('messages.getDialogs'), 2)
  assert.equal(h.emulator.faults.counters.get('messages.getHistory'), 0)
})

test('keeps at most the configured number of history reads in flight', async () => {
  // Each read takes 20 ms at the emulator, so reads sent together are answered together.
  h.emulator.faults.latency('messages.getHistory', 20)
  const got = await collect(read(WINDOW, { concurrency: 2 }))
  assert.deepEqual(got, expected(h.emulator.world, WINDOW))
  assert.equal(h.emulator.faults.counters.maxInFlight('messages.getHistory'), 2)
  assert.equal(h.emulator.faults.counters.inFlight('messages.getHistory'), 0)
})

test('stopping early reads no more than the pages it needed plus one read ahead per channel', async () => {
  const got: string[] = []
  for await (const { message } of read(EVERYTHING)) {
    got.push(String(message.id))
    if (got.length === 10) break
  }
  assert.equal(got.length, 10)
  // Calls answer in the order they were sent on the connection: once this one is answered,
  // every read sent before the loop stopped has been counted.
  await client.call({ _: 'help.getNearestDc' })
  const reads = h.emulator.faults.counters.get('messages.getHistory')
  // Six channels have messages near the window's end: at most a first page and one page read ahead each.
  assert.ok(reads >= 1 && reads <= 12, `history calls ${reads}`)
  const dormant = new Set(memberChannels(h.emulator.world).filter((c) => c.history.topDate <= WORLD_START).map((c) => c.id))
  assert.equal(callsOf('messages.getHistory').filter((call) => dormant.has(Number((call.peer as TlObject).channel_id))).length, 0)
})

const idOf = (message: TelethonDict): string => `${String((message.peer_id as TelethonDict).channel_id)}/${String(message.id)}`
const ms = (window: DateWindow) => ({ startMs: window.after * 1000, endMs: window.upTo * 1000 })

async function collectDicts(source: AsyncIterable<TelethonDict>): Promise<TelethonDict[]> {
  const out: TelethonDict[] = []
  for await (const message of source) out.push(message)
  return out
}

const expectedIds = (window: DateWindow): string[] => expected(h.emulator.world, window).map((entry) => entry.split('@')[0])

test("through the gateway each message is a Telethon Message of its PeerChannel, with its channel's username and title in meta", async () => {
  const messages = await collectDicts(gateway.channelMessages(ms(WINDOW)))
  assert.deepEqual(messages.map(idOf), expectedIds(WINDOW))
  for (const message of messages) {
    assert.equal(message._, 'Message')
    const peer = message.peer_id as TelethonDict
    assert.equal(peer._, 'PeerChannel')
    const channel = h.emulator.world.channelsById.get(Number(peer.channel_id))!
    assert.deepEqual(message.meta, { channel_name: channel.username, channel_title: channel.title })
  }
  const json = JSON.parse(gateway.serializeMessage(messages[0])) as Record<string, unknown>
  assert.equal(json.id, messages[0].id)
  assert.match(String(json.date), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
})

test('waits out a short flood wait on getHistory and goes on to the complete answer', async () => {
  h.emulator.faults.floodWait('messages.getHistory', 2, { times: 1 })
  const { gateway, clock } = await gatewayWithClock()
  const messages = await collectDicts(gateway.channelMessages(ms(WINDOW)))
  await gateway.close()
  assert.deepEqual(clock.sleeps, [2000])
  assert.deepEqual(messages.map(idOf), expectedIds(WINDOW))
  const pages = [...expectedHistoryCalls(h.emulator.world, WINDOW).values()].reduce((sum, calls) => sum + calls.length, 0)
  assert.equal(h.emulator.faults.counters.get('messages.getHistory'), pages + 1, 'every page once, and the refused call')
})

test('a flood wait longer than the threshold ends the read with FLOOD_WAIT and its retry time', async () => {
  h.emulator.faults.floodWait('messages.getHistory', 300, { times: 1 })
  const { gateway, clock } = await gatewayWithClock()
  await assert.rejects(
    collectDicts(gateway.channelMessages(ms(WINDOW))),
    (err: unknown) => err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 300 && err.status === 429,
  )
  // The wait belongs to the account: the next read is refused before it sends anything.
  const calls = h.emulator.faults.counters.get('messages.getHistory')
  await assert.rejects(
    collectDicts(gateway.channelMessages(ms(WINDOW))),
    (err: unknown) => err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 300,
  )
  assert.equal(h.emulator.faults.counters.get('messages.getHistory'), calls)
  await gateway.close()
  assert.deepEqual(clock.sleeps, [])
})

test('a flood wait on the dialog list is waited out too', async () => {
  h.emulator.faults.floodWait('messages.getDialogs', 1, { times: 1 })
  const window = { after: NOW - 18 * 3600, upTo: NOW }
  const want = expectedIds(window)
  assert.ok(want.length > 100)
  const { gateway, clock } = await gatewayWithClock()
  assert.deepEqual((await collectDicts(gateway.channelMessages(ms(window)))).map(idOf), want)
  await gateway.close()
  assert.deepEqual(clock.sleeps, [1000])
  // One page holds every dialog of each folder: the refused call, then the two answered.
  assert.equal(h.emulator.faults.counters.get('messages.getDialogs'), 3)
})

test('an empty window reads nothing', async () => {
  assert.deepEqual(await collect(read({ after: NOW, upTo: NOW })), [])
  assert.deepEqual(await collect(read({ after: NOW, upTo: NOW - 3600 })), [])
  assert.equal(h.emulator.faults.counters.total, 0)
})

// Signs the shared auth key out: keep this test last.
test('a revoked session surfaces as NOT_SIGNED_IN', async () => {
  const { bindings } = h.emulator.accounts.toJSON()
  assert.equal(bindings.length, 1, 'one auth key signed in, shared by the gateway and the client')
  h.emulator.accounts.logOut(BigInt(bindings[0].authKeyId))
  await assert.rejects(
    collect(read({ after: NOW - 86_400, upTo: NOW })),
    (err: unknown) => err instanceof AppError && err.code === 'NOT_SIGNED_IN' && err.status === 401,
  )
  // Both folders are asked at once, and both are refused.
  assert.equal(h.emulator.faults.counters.get('messages.getDialogs'), 2)
  assert.equal(h.emulator.faults.counters.get('messages.getHistory'), 0)
})
