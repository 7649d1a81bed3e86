import { test } from 'node:test'
import assert from 'node:assert/strict'
import { channelMessages, type ChannelMessage, type DateWindow } from '../../src/telegram/channel-history.ts'
import type { FloodWaitPolicy } from '../../src/telegram/call-with-flood-wait.ts'
import { AppError } from '../../src/errors.ts'
import { FakeTelegram, generateMessages, seededRandom, type FakeConversation } from './channel-history-fake.ts'

const NOW = 1_750_000_000

function policy(sleeps: number[] = [], thresholdSeconds = 10): FloodWaitPolicy {
  return {
    thresholdSeconds,
    maxRetries: 5,
    callTimeoutMs: 1000,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
  }
}

/** Six channels of a few hundred messages over ~a day, with equal dates across channels, plus non-channel chats. */
function world(seed: number): FakeConversation[] {
  const random = seededRandom(seed)
  const conversations: FakeConversation[] = []
  for (let i = 0; i < 6; i++) {
    const count = 150 + Math.floor(random() * 300)
    // Steps of whole minutes make equal dates, across channels and within one, common.
    conversations.push({
      peer: { _: 'peerChannel', channelId: 2_100_000_000 + i * 17 },
      title: `Channel ${i}`,
      ...(i % 2 === 0 ? { username: `chan_${i}` } : {}),
      pinned: i === 4,
      messages: generateMessages(random, count, NOW - 86_400 - i * 3600, 5, 60),
    })
  }
  // Channels silent for a long time: their top messages are older than the windows below.
  for (let k = 0; k < 4; k++) {
    conversations.push({
      peer: { _: 'peerChannel', channelId: 2_100_009_990 + k },
      title: `Dormant ${k}`,
      messages: generateMessages(random, 50, NOW - (40 + k) * 86_400, 60),
    })
  }
  conversations.push({ peer: { _: 'peerUser', userId: 6_000_000_001 }, title: 'Ana', messages: generateMessages(random, 80, NOW - 86_400, 900) })
  conversations.push({ peer: { _: 'peerChat', chatId: 4_012_345 }, title: 'Group', messages: generateMessages(random, 80, NOW - 86_400, 900) })
  return conversations
}

/** The expected answer, computed by brute force over everything. */
function expected(conversations: FakeConversation[], window: DateWindow): string[] {
  const all: Array<{ channelId: number; id: number; date: number }> = []
  for (const c of conversations) {
    if (c.peer._ !== 'peerChannel') continue
    for (const m of c.messages) {
      if (m.kind === 'message' && m.date > window.after && m.date <= window.upTo) all.push({ channelId: c.peer.channelId, id: m.id, date: m.date })
    }
  }
  all.sort((a, b) => b.date - a.date || a.channelId - b.channelId || b.id - a.id)
  return all.map((m) => `${m.channelId}/${m.id}@${m.date}`)
}

async function collect(source: AsyncIterable<ChannelMessage>): Promise<string[]> {
  const out: string[] = []
  for await (const { message, channel } of source) out.push(`${channel.id}/${message.id}@${message.date}`)
  return out
}

test('yields exactly the channel messages of the window, newest first across channels', async () => {
  const conversations = world(7)
  const window = { after: NOW - 26 * 3600, upTo: NOW - 13 * 3600 }
  const fake = new FakeTelegram(conversations)
  const got = await collect(channelMessages(fake, window, { policy: policy(), dialogPageSize: 3 }))
  const want = expected(conversations, window)
  const dates = want.map((entry) => entry.split('@')[1])
  assert.ok(new Set(dates).size < dates.length - 50, 'the window should hold many messages sharing a date')
  assert.ok(want.length > 500, `the window should hold many messages (${want.length})`)
  assert.deepEqual(got, want)
})

test('a window covering whole histories still yields every message exactly once', async () => {
  const conversations = world(11)
  const window = { after: NOW - 60 * 86_400, upTo: NOW }
  const got = await collect(channelMessages(new FakeTelegram(conversations), window, { policy: policy() }))
  assert.deepEqual(got, expected(conversations, window))
})

test('asks for 100 messages a page, starting just after the window end, and never reads channels older than the window', async () => {
  const conversations = world(3)
  const window = { after: NOW - 20 * 3600, upTo: NOW - 12 * 3600 }
  const fake = new FakeTelegram(conversations)
  await collect(channelMessages(fake, window, { policy: policy() }))
  const history = fake.calls.filter((c) => c.method === 'messages.getHistory')
  assert.ok(history.length >= 6, `history calls ${history.length}`)
  assert.ok(history.some((c) => c.request.offsetId !== 0), 'some channel needs a second page')
  for (const call of history) assert.equal(call.request.limit, 100)
  for (const call of history.filter((c) => c.request.offsetId === 0)) assert.equal(call.request.offsetDate, window.upTo + 1)
  for (let k = 0; k < 4; k++) assert.equal(fake.historyCallsFor(2_100_009_990 + k).length, 0)
  const methods = new Set(history.map((c) => (c.request.peer as { _: string })._))
  assert.deepEqual([...methods], ['inputPeerChannel'])
})

test('pages the dialog list by the offsets of the last dialog and stops at the first dialog older than the window', async () => {
  const conversations = world(5)
  const window = { after: NOW - 3 * 86_400, upTo: NOW }
  const fake = new FakeTelegram(conversations)
  await collect(channelMessages(fake, window, { policy: policy(), dialogPageSize: 2 }))
  const dialogs = fake.calls.filter((c) => c.method === 'messages.getDialogs')
  // 12 conversations, 2 a page; the 4 dormant channels sort last and the listing ends on the
  // page where the first of them shows: 5 pages, not 6.
  assert.equal(dialogs.length, 5)
  assert.equal(dialogs[0].request.offsetDate, 0)
  assert.deepEqual(dialogs[0].request.offsetPeer, { _: 'inputPeerEmpty' })
  assert.notEqual(dialogs[1].request.offsetDate, 0)
  assert.notEqual((dialogs[1].request.offsetPeer as { _: string })._, 'inputPeerEmpty')
})

test('keeps at most the configured number of history reads in flight', async () => {
  const conversations = world(9)
  const fake = new FakeTelegram(conversations)
  fake.delayMs = 2
  const window = { after: NOW - 60 * 86_400, upTo: NOW }
  const got = await collect(channelMessages(fake, window, { policy: policy(), concurrency: 2 }))
  assert.deepEqual(got, expected(conversations, window))
  assert.ok(fake.maxInFlight <= 2, `max in flight ${fake.maxInFlight}`)
  assert.equal(fake.maxInFlight, 2)
})

test('stopping early reads no more than the pages it needed plus one read ahead per channel', async () => {
  const conversations = world(13)
  const fake = new FakeTelegram(conversations)
  const window = { after: NOW - 60 * 86_400, upTo: NOW }
  const got: string[] = []
  for await (const { message } of channelMessages(fake, window, { policy: policy() })) {
    got.push(String(message.id))
    if (got.length === 10) break
  }
  assert.equal(got.length, 10)
  // Six channels with messages: at most a first page and one page read ahead each.
  assert.ok(fake.count('messages.getHistory') <= 12, `history calls ${fake.count('messages.getHistory')}`)
})

test('waits out a short flood wait and goes on', async () => {
  const conversations = world(17)
  const fake = new FakeTelegram(conversations)
  fake.fail('messages.getHistory', 'FLOOD_WAIT_2')
  const sleeps: number[] = []
  const window = { after: NOW - 20 * 3600, upTo: NOW }
  const got = await collect(channelMessages(fake, window, { policy: policy(sleeps) }))
  assert.deepEqual(sleeps, [2000])
  assert.deepEqual(got, expected(conversations, window))
})

test('a flood wait longer than the threshold ends the read with FLOOD_WAIT and its retry time', async () => {
  const fake = new FakeTelegram(world(19))
  fake.fail('messages.getHistory', 'FLOOD_WAIT_300')
  const sleeps: number[] = []
  await assert.rejects(
    collect(channelMessages(fake, { after: NOW - 86_400, upTo: NOW }, { policy: policy(sleeps) })),
    (err: unknown) => err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 300 && err.status === 429,
  )
  assert.deepEqual(sleeps, [])
})

test('a flood wait on the dialog list is waited out too', async () => {
  const conversations = world(23)
  const fake = new FakeTelegram(conversations)
  fake.fail('messages.getDialogs', 'FLOOD_WAIT_1')
  const sleeps: number[] = []
  const window = { after: NOW - 18 * 3600, upTo: NOW }
  const want = expected(conversations, window)
  assert.ok(want.length > 100)
  assert.deepEqual(await collect(channelMessages(fake, window, { policy: policy(sleeps) })), want)
  assert.deepEqual(sleeps, [1000])
})

test('a revoked session surfaces as NOT_SIGNED_IN', async () => {
  const fake = new FakeTelegram(world(29))
  fake.fail('messages.getDialogs', 'AUTH_KEY_UNREGISTERED', 401)
  await assert.rejects(
    collect(channelMessages(fake, { after: NOW - 86_400, upTo: NOW }, { policy: policy() })),
    (err: unknown) => err instanceof AppError && err.code === 'NOT_SIGNED_IN',
  )
})

test('an empty window reads nothing', async () => {
  const fake = new FakeTelegram(world(31))
  assert.deepEqual(await collect(channelMessages(fake, { after: NOW, upTo: NOW }, { policy: policy() })), [])
  assert.equal(fake.calls.length, 0)
})
