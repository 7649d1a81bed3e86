/**
 * GET /messages?channels=… (docs/spec.md §10): the window restricted to the named channels — the same
 * messages, shape and order as the unfiltered window has for them — and only those channels
 * are read (the emulator's getHistory calls name no other peer). Names are usernames (with or
 * without "@"), bare ids or -100-prefixed ids; one the account is not in is a 404 naming it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { TlObject } from '@telegram-connector/emulator/testing'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedMessagesOf, isoTime, memberChannels, messageKey } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 2 * 86_400
const PHONE = '+15554200002'

let emulator: Emulator
let service: Service

before(async () => {
  emulator = await startEmulator({
    world: { seed: 21, channels: 5, messagesPerChannel: 250, spanSeconds: SPAN, now: NOW, discoverableChannels: 1 },
  })
  service = await startService({ sharedEmulator: emulator, now: () => NOW * 1000 })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

interface Message {
  id: number
  peer_id: { channel_id: number }
}

async function messages(query: Record<string, string>): Promise<Response> {
  return fetch(`${service.url}/messages?${new URLSearchParams({ start_time: isoTime(NOW - SPAN - 10), end_time: isoTime(NOW), ...query })}`)
}

/** The channel ids the getHistory calls since the last reset were for. */
function historyPeers(): Set<number> {
  return new Set(emulator.faults.counters.recentCalls('messages.getHistory').map((call) => Number((call.peer as TlObject).channel_id)))
}

test('a channels= window is the unfiltered window restricted to those channels, and reads only them', async () => {
  const all = (await (await messages({})).json()) as Message[]
  const [first, , third, fourth] = memberChannels(emulator.world)
  const chosen = new Set([first.id, third.id, fourth.id])

  emulator.faults.counters.reset()
  const response = await messages({ channels: `${first.username},-100${third.id},${fourth.id}` })
  assert.equal(response.status, 200)
  const filtered = (await response.json()) as Message[]
  assert.deepEqual(filtered, all.filter((m) => chosen.has(m.peer_id.channel_id)))
  assert.deepEqual(
    filtered.map((m) => messageKey(m.peer_id.channel_id, m.id)),
    expectedMessagesOf([first, third, fourth], NOW - SPAN - 10, NOW).map((m) => messageKey(m.channel.id, m.id)),
  )
  assert.ok(emulator.faults.counters.get('messages.getHistory') > 3, 'histories longer than a page were read')
  assert.deepEqual([...historyPeers()].sort(), [...chosen].sort())
})

test('one channel named by @username, in any case, reads that channel alone; NDJSON says the same', async () => {
  const channel = memberChannels(emulator.world)[1]
  emulator.faults.counters.reset()
  const response = await messages({ channels: `@${channel.username!.toUpperCase()}` })
  assert.equal(response.status, 200)
  const body = (await response.json()) as Message[]
  assert.ok(body.length > 100)
  assert.ok(body.every((m) => m.peer_id.channel_id === channel.id))
  assert.deepEqual([...historyPeers()], [channel.id])

  const ndjson = await fetch(
    `${service.url}/messages?${new URLSearchParams({ start_time: isoTime(NOW - SPAN - 10), end_time: isoTime(NOW), channels: channel.username! })}`,
    { headers: { accept: 'application/x-ndjson' } },
  )
  assert.deepEqual((await ndjson.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as Message), body)
})

test('a named channel the account is not in is 404 CHANNEL_NOT_JOINED naming it, and nothing is read', async () => {
  const outside = emulator.world.channels.find((c) => !c.memberByDefault)!
  const member = memberChannels(emulator.world)[0]
  emulator.faults.counters.reset()
  const response = await messages({ channels: `${member.username},${outside.username},-1009999999` })
  assert.equal(response.status, 404)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  const problem = (await response.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'CHANNEL_NOT_JOINED')
  assert.match(problem.detail, new RegExp(`"${outside.username}"`))
  assert.match(problem.detail, /"-1009999999"/)
  assert.doesNotMatch(problem.detail, new RegExp(`"${member.username}"`))
  assert.equal(emulator.faults.counters.get('messages.getHistory'), 0)
})

test('a malformed channels= is 400 naming the item', async () => {
  for (const channels of ['', ' , ', 'durov,not a name', '-42', 'a'.repeat(40), '12ab']) {
    const response = await messages({ channels })
    assert.equal(response.status, 400, channels)
    const problem = (await response.json()) as { code: string; detail: string }
    assert.equal(problem.code, 'BAD_REQUEST')
    assert.match(problem.detail, /channels/)
  }
})

test('a channel whose newest message is older than the window is not read', async () => {
  const [first, second] = memberChannels(emulator.world)
  const after = Math.max(first.history.topDate, second.history.topDate) + 1
  emulator.faults.counters.reset()
  const response = await fetch(
    `${service.url}/messages?${new URLSearchParams({ start_time: isoTime(after), end_time: isoTime(after + 3600), channels: `${first.id},${second.id}` })}`,
  )
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), [])
  assert.equal(emulator.faults.counters.get('messages.getHistory'), 0)
})
