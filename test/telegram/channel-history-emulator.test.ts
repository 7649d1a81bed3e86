import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { tl } from '@mtcute/core'
import { AppError } from '../../src/errors.ts'
import { isServiceKind } from '../../src/emulator/world/history.ts'
import type { World } from '../../src/emulator/world/world.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { channelMessages, type DateWindow } from '../../src/telegram/channel-history.ts'
import { createMtcuteClient } from '../../src/telegram/mtcute-client.ts'
import type { TelegramGateway } from '../../src/telegram/gateway.ts'
import type { TelethonDict } from '../../src/telegram/telethon-shape.ts'
import { CapturedLog, startHarness, type Harness } from './gateway-fixture.ts'

/** 2025-07-01T00:00:00Z: a fixed world, its messages spread over the two days before. */
const NOW = 1_751_328_000
const WINDOW: DateWindow = { after: NOW - 30 * 3600, upTo: NOW - 6 * 3600 }
const PHONE = '+15557770001'

let h: Harness
let gateway: TelegramGateway
const sleeps: number[] = []

before(async () => {
  h = await startHarness({
    world: {
      seed: 42,
      channels: 6,
      messagesPerChannel: 500,
      spanSeconds: 2 * 86_400,
      now: NOW,
      privateChatMessages: 60,
      basicGroupMessages: 80,
      discoverableChannels: 1,
    },
  })
  gateway = await h.open(h.store(), {
    sleep: async (ms) => {
      sleeps.push(ms)
    },
  })
  await gateway.signIn({ phone: PHONE })
  assert.deepEqual(await gateway.signIn({ phone: PHONE, code: h.emulator.lastCode(PHONE) }), { done: true })
})
after(async () => {
  await h.close()
})

const ms = (window: DateWindow) => ({ startMs: window.after * 1000, endMs: window.upTo * 1000 })

/** The world's answer, straight from its histories: member channels, no service messages, newest first. */
function expectedIds(world: World, window: DateWindow): string[] {
  const rows: Array<{ channel: number; id: number; date: number }> = []
  for (const channel of world.channels) {
    if (!channel.memberByDefault) continue
    const history = channel.history
    for (let i = 0; i < history.length; i++) {
      const date = history.dates[i]
      if (!isServiceKind(history.kinds[i]) && date > window.after && date <= window.upTo) rows.push({ channel: channel.id, id: history.ids[i], date })
    }
  }
  rows.sort((a, b) => b.date - a.date || a.channel - b.channel || b.id - a.id)
  return rows.map((r) => `${r.channel}/${r.id}`)
}

async function collect(source: AsyncIterable<TelethonDict>): Promise<TelethonDict[]> {
  const out: TelethonDict[] = []
  for await (const message of source) out.push(message)
  return out
}

const idOf = (message: TelethonDict): string => `${String((message.peer_id as TelethonDict).channel_id)}/${String(message.id)}`

test("the window's channel messages come back exactly, newest first, service messages and non-channel chats left out", async () => {
  const world = h.emulator.world
  const inWindow = (date: number): boolean => date > WINDOW.after && date <= WINDOW.upTo
  // The exclusions below are only meaningful if the window holds what they exclude.
  const memberHistories = world.channels.filter((c) => c.memberByDefault).map((c) => c.history)
  assert.ok(memberHistories.some((hs) => hs.kinds.some((kind, i) => isServiceKind(kind) && inWindow(hs.dates[i]))), 'service messages in the window')
  assert.ok(world.privateChats[0].history.dates.some(inWindow), 'private chat messages in the window')
  assert.ok(world.chats[0].history.dates.some(inWindow), 'basic group messages in the window')

  const messages = await collect(gateway.channelMessages(ms(WINDOW)))
  const want = expectedIds(world, WINDOW)
  assert.ok(want.length > 1000, `a window of many pages (${want.length})`)
  assert.deepEqual(messages.map(idOf), want)
  for (const message of messages) {
    assert.equal(message._, 'Message')
    assert.equal((message.peer_id as TelethonDict)._, 'PeerChannel')
  }
})

test("each message carries its channel's username and title in meta", async () => {
  const [first] = await collect(gateway.channelMessages(ms(WINDOW)))
  const channel = h.emulator.world.channelsById.get(Number((first.peer_id as TelethonDict).channel_id))
  assert.ok(channel !== undefined)
  assert.deepEqual(first.meta, { channel_name: channel.username, channel_title: channel.title })
  const json = JSON.parse(gateway.serializeMessage(first)) as Record<string, unknown>
  assert.equal(json.id, first.id)
  assert.match(String(json.date), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
})

test('history is read 100 messages a page from just after the window, and only from channels in the dialogs', async () => {
  const record = await loadSessionRecord(h.store(), null)
  const client = createMtcuteClient({
    apiId: 12345,
    apiHash: '0123456789abcdef0123456789abcdef',
    dc: { host: h.emulator.host, port: h.emulator.port },
    publicKeyPem: h.emulator.publicKeyPem,
    log: new CapturedLog(),
  })
  try {
    await client.importSession(record.session!)
    const requests: tl.messages.RawGetHistoryRequest[] = []
    const recording = {
      call: ((request: { _: string }, options?: object) => {
        if (request._ === 'messages.getHistory') requests.push(request as tl.messages.RawGetHistoryRequest)
        return client.call(request as never, options)
      }) as typeof client.call,
    }
    const policy = { thresholdSeconds: 10, maxRetries: 5, callTimeoutMs: 10_000, sleep: async () => {} }
    let count = 0
    for await (const _ of channelMessages(recording, WINDOW, { policy })) count++
    assert.equal(count, expectedIds(h.emulator.world, WINDOW).length)

    assert.ok(requests.length > 6)
    for (const request of requests) assert.equal(request.limit, 100)
    const firstPages = requests.filter((r) => r.offsetId === 0)
    assert.equal(firstPages.length, 6)
    for (const request of firstPages) assert.equal(request.offsetDate, WINDOW.upTo + 1)
    const read = new Set(requests.map((r) => (r.peer as tl.RawInputPeerChannel).channelId))
    const discoverable = h.emulator.world.channels.filter((c) => !c.memberByDefault)
    assert.equal(discoverable.length, 1)
    assert.equal(read.has(discoverable[0].id), false)
  } finally {
    await client.destroy()
  }
})

test('a window after every channel has gone quiet reads no history at all', async () => {
  const before = h.emulator.faults.counters.get('messages.getHistory')
  const quiet = { after: NOW + 60, upTo: NOW + 3600 }
  assert.deepEqual(await collect(gateway.channelMessages(ms(quiet))), [])
  assert.equal(h.emulator.faults.counters.get('messages.getHistory'), before)
})

test('a short flood wait on getHistory is waited out and the answer is complete', async () => {
  sleeps.length = 0
  h.emulator.faults.floodWait('messages.getHistory', 2, { times: 1 })
  const messages = await collect(gateway.channelMessages(ms(WINDOW)))
  assert.deepEqual(sleeps, [2000])
  assert.deepEqual(messages.map(idOf), expectedIds(h.emulator.world, WINDOW))
})

test('a long flood wait ends the read with FLOOD_WAIT and the seconds to wait', async () => {
  sleeps.length = 0
  h.emulator.faults.floodWait('messages.getHistory', 300, { times: 1 })
  await assert.rejects(
    collect(gateway.channelMessages(ms(WINDOW))),
    (err: unknown) => err instanceof AppError && err.code === 'FLOOD_WAIT' && err.retryAfter === 300,
  )
  assert.deepEqual(sleeps, [])
  h.emulator.faults.clear()
})
