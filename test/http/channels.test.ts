/**
 * The account's channels over HTTP against the emulator (docs/spec.md §10): GET /channels, joining by
 * username, public link and invite link, leaving, and every refusal, each as a problem
 * document with its own code. What the account is in is checked both ways: in /channels and
 * in the messages of later windows.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import type { WorldChannel } from '@telegram-connector/emulator/testing'
import { telethonDate } from '../../src/telegram/history/telethon-shape.ts'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedMessagesOf, isoTime, memberChannels, messageKey } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 2 * 86_400
const PHONE = '+15554100001'

let emulator: Emulator
let service: Service
/** The channels the account is in, as the test believes. */
let members: WorldChannel[]

before(async () => {
  emulator = await startEmulator({
    world: { seed: 12, channels: 3, messagesPerChannel: 150, spanSeconds: SPAN, now: NOW, discoverableChannels: 3, privateChannels: 2 },
  })
  service = await startService({ sharedEmulator: emulator, now: () => NOW * 1000 })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
  members = memberChannels(emulator.world)
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

interface ChannelJson {
  id: number
  username: string | null
  title: string
  type: string
  participants_count: number | null
  last_message_date: string | null
}

const discoverable = (): WorldChannel[] => emulator.world.channels.filter((c) => !c.memberByDefault && c.username !== undefined)
const invite = (kind: 'open' | 'approval' | 'expired'): { hash: string; channel: WorldChannel } => {
  const found = [...emulator.world.invites.values()].find((i) => i.kind === kind)!
  return { hash: found.hash, channel: emulator.world.channelsById.get(found.channelId)! }
}

function expectedJson(channel: WorldChannel): ChannelJson {
  return {
    id: channel.id,
    username: channel.username ?? null,
    title: channel.title,
    type: channel.broadcast ? 'channel' : 'supergroup',
    participants_count: channel.participantsCount,
    last_message_date: telethonDate(channel.history.topDate),
  }
}

async function listChannels(): Promise<ChannelJson[]> {
  const response = await fetch(`${service.url}/channels`)
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/)
  return response.json() as Promise<ChannelJson[]>
}

async function join(body: unknown): Promise<Response> {
  return fetch(`${service.url}/channels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function leave(channel: string): Promise<Response> {
  return fetch(`${service.url}/channels/${encodeURIComponent(channel)}`, { method: 'DELETE' })
}

async function windowKeys(): Promise<string[]> {
  const query = new URLSearchParams({ start_time: isoTime(NOW - SPAN - 10), end_time: isoTime(NOW) })
  const response = await fetch(`${service.url}/messages?${query}`)
  assert.equal(response.status, 200)
  return ((await response.json()) as { id: number; peer_id: { channel_id: number } }[]).map((m) => messageKey(m.peer_id.channel_id, m.id))
}

const expectedKeys = (): string[] => expectedMessagesOf(members, NOW - SPAN - 10, NOW).map((m) => messageKey(m.channel.id, m.id))

async function assertProblem(response: Response, status: number, code: string): Promise<{ detail: string }> {
  assert.equal(response.status, status, await response.clone().text())
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  const problem = (await response.json()) as { code: string; detail: string }
  assert.equal(problem.code, code)
  assert.ok(problem.detail.length > 0)
  return problem
}

/** The order /channels promises: newest message first (ties: Telegram's dialog order, by id here). */
const byNewest = (channels: WorldChannel[]): WorldChannel[] =>
  [...channels].sort((a, b) => b.history.topDate - a.history.topDate || b.history.topId - a.history.topId || b.id - a.id)

test('GET /channels lists the channels and supergroups the account is in, newest message first', async () => {
  const listed = await listChannels()
  assert.deepEqual(listed, byNewest(members).map(expectedJson))
  assert.ok(listed.some((c) => c.type === 'channel') && listed.some((c) => c.type === 'supergroup'))

  const ndjson = await fetch(`${service.url}/channels`, { headers: { accept: 'application/x-ndjson' } })
  assert.match(ndjson.headers.get('content-type') ?? '', /^application\/x-ndjson\b/)
  const lines = (await ndjson.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as ChannelJson)
  assert.deepEqual(lines, listed)
})

test('joining by username answers 201 with the channel, then 200; it is listed and its messages are in windows', async () => {
  const channel = discoverable()[0]
  assert.ok(!(await windowKeys()).some((key) => key.startsWith(`${channel.id}:`)))
  const joined = await join({ username: `@${channel.username}` })
  assert.equal(joined.status, 201)
  assert.deepEqual(await joined.json(), expectedJson(channel))
  members.push(channel)

  const again = await join({ username: channel.username })
  assert.equal(again.status, 200)
  assert.deepEqual(await again.json(), expectedJson(channel))
  assert.equal(emulator.faults.counters.get('channels.joinChannel'), 1, 'no second join')

  assert.deepEqual(await listChannels(), byNewest(members).map(expectedJson))
  assert.deepEqual(await windowKeys(), expectedKeys())
})

test('joining by public link answers 201, whichever form the link takes', async () => {
  const [, first, second] = discoverable()
  const joined = await join({ link: `https://t.me/${first.username}` })
  assert.equal(joined.status, 201)
  assert.equal(((await joined.json()) as ChannelJson).id, first.id)
  members.push(first)
  const bare = await join({ link: `t.me/s/${second.username}/42` })
  assert.equal(bare.status, 201)
  members.push(second)
  assert.equal((await join({ link: `tg://resolve?domain=${second.username}` })).status, 200)
  assert.deepEqual(await windowKeys(), expectedKeys())
})

test('joining by invite link answers 201 with the private channel, then 200 for the same link', async () => {
  const { hash, channel } = invite('open')
  const joined = await join({ link: `https://t.me/+${hash}` })
  assert.equal(joined.status, 201)
  const body = (await joined.json()) as ChannelJson
  assert.deepEqual(body, expectedJson(channel))
  assert.equal(body.username, null)
  members.push(channel)
  assert.equal((await join({ link: `https://t.me/joinchat/${hash}` })).status, 200)
  assert.ok((await listChannels()).some((c) => c.id === channel.id))
  assert.deepEqual(await windowKeys(), expectedKeys())
})

test('leaving by username or by -100 id answers 204, and the messages are gone from later windows', async () => {
  const [first, second] = members
  assert.equal((await leave(first.username!)).status, 204)
  assert.equal((await leave(`-100${second.id}`)).status, 204)
  members = members.filter((c) => c !== first && c !== second)
  assert.deepEqual(await listChannels(), byNewest(members).map(expectedJson))
  assert.deepEqual(await windowKeys(), expectedKeys())

  const problem = await assertProblem(await leave(first.username!), 404, 'CHANNEL_NOT_JOINED')
  assert.match(problem.detail, new RegExp(first.username!))
  await assertProblem(await leave(String(second.id)), 404, 'CHANNEL_NOT_JOINED')
  await assertProblem(await leave('not a name'), 400, 'BAD_REQUEST')
  // A channel left can be joined again.
  assert.equal((await join({ username: first.username })).status, 201)
  members.push(first)
  assert.deepEqual(await windowKeys(), expectedKeys())
})

test('each refusal is its own problem: unknown username, a user, invalid, expired and approval invites', async () => {
  const unknown = await assertProblem(await join({ username: 'nobody_here_at_all' }), 404, 'CHANNEL_NOT_FOUND')
  assert.match(unknown.detail, /nobody_here_at_all/)
  const user = emulator.world.users.find((u) => u.username !== undefined)!
  await assertProblem(await join({ username: user.username }), 400, 'NOT_A_CHANNEL')
  await assertProblem(await join({ link: 'https://t.me/+AAAAAAAAAAAAAAAAAAAAAA' }), 404, 'INVITE_INVALID')
  await assertProblem(await join({ link: `https://t.me/+${invite('expired').hash}` }), 410, 'INVITE_EXPIRED')
  const approval = invite('approval')
  const sent = await assertProblem(await join({ link: `t.me/joinchat/${approval.hash}` }), 403, 'INVITE_REQUEST_SENT')
  assert.match(sent.detail, /request was sent/)
  assert.ok(!(await listChannels()).some((c) => c.id === approval.channel.id))
})

test('malformed join requests are 400 before Telegram is asked', async () => {
  const before = emulator.faults.counters.total
  for (const body of [{}, { username: 'a_b_c_d', link: 'https://t.me/a_b_c_d' }, { username: '1abc' }, { link: 'https://example.com/durov' }, { link: 'https://t.me/' }, { link: 'https://t.me/+' }]) {
    await assertProblem(await join(body), 400, 'BAD_REQUEST')
  }
  assert.equal(emulator.faults.counters.total, before)
})

test("a join that meets Telegram's long flood wait is 429 with Retry-After; nothing is joined, and no join is sent while the wait runs", async () => {
  const channel = members[0]
  assert.equal((await leave(channel.username!)).status, 204)
  members = members.filter((c) => c !== channel)
  emulator.faults.floodWait('channels.joinChannel', 120, { times: 1 })
  const joins = emulator.faults.counters.get('channels.joinChannel')
  const response = await join({ username: channel.username })
  await assertProblem(response, 429, 'FLOOD_WAIT')
  assert.equal(response.headers.get('retry-after'), '120')
  assert.ok(!(await listChannels()).some((c) => c.id === channel.id))
  // The service's clock stands still: the wait is still running, and Telegram is not asked again.
  const again = await join({ username: channel.username })
  await assertProblem(again, 429, 'FLOOD_WAIT')
  assert.equal(emulator.faults.counters.get('channels.joinChannel'), joins + 1)
})

test('past the account limit a join is 409 CHANNELS_TOO_MUCH', async () => {
  const limited = await startEmulator({
    world: { seed: 13, channels: 2, messagesPerChannel: 20, spanSeconds: SPAN, now: NOW, discoverableChannels: 1 },
    channelLimit: 2,
  })
  const small = await startService({ sharedEmulator: limited, now: () => NOW * 1000 })
  try {
    assert.equal((await signIn(small.url, { phone: PHONE })).status, 206)
    assert.equal((await signIn(small.url, { phone: PHONE, password: limited.lastCode(PHONE) })).status, 200)
    const extra = limited.world.channels.find((c) => !c.memberByDefault)!
    const response = await fetch(`${small.url}/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: extra.username }),
    })
    await assertProblem(response, 409, 'CHANNELS_TOO_MUCH')
  } finally {
    await small.close()
    await limited.stop()
  }
})

test('the channel routes need a signed-in account', async () => {
  const fresh = await startService({ sharedEmulator: emulator, now: () => NOW * 1000 })
  try {
    await assertProblem(await fetch(`${fresh.url}/channels`), 401, 'NOT_SIGNED_IN')
    const post = await fetch(`${fresh.url}/channels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"durov"}' })
    await assertProblem(post, 401, 'NOT_SIGNED_IN')
    await assertProblem(await fetch(`${fresh.url}/channels/durov`, { method: 'DELETE' }), 401, 'NOT_SIGNED_IN')
  } finally {
    await fresh.close()
  }
})
