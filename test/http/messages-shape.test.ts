/**
 * The JSON of real /messages responses, field by field (docs/spec.md §4): every message returned is
 * compared with the emulator's own TL object for it (materializeMessage), under the rules of
 * Telethon's to_dict() as the spec states them, walking the layer-227 schema mtcute ships
 * (@mtcute/core/tl/api-schema.json) — nested objects (peers, replies, reactions, forward
 * headers, entities) included. 64-bit integers are read from the raw response text, since
 * JSON.parse would round them.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { materializeMessage, PeerRefs, type Viewer, type TlObject } from '@telegram-connector/emulator/testing'
import { signIn, startService, type Service } from '../helpers/service.ts'
import { expectedChannelMessages, isoTime, messageKey, type WorldMessageRef } from '../helpers/world-messages.ts'

const NOW = 1_750_000_000
const SPAN = 3 * 86_400
const AFTER = NOW - SPAN - 10
const PHONE = '+15554100001'
const TELETHON_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/

interface SchemaArgument {
  name: string
  type: string
  typeModifiers?: { predicate?: string, isVector?: boolean }
}
interface SchemaEntry {
  kind: 'class' | 'method'
  name: string
  arguments: SchemaArgument[]
}

const schemaPath = createRequire(import.meta.url).resolve('@mtcute/core/tl/api-schema.json')
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { l: number, e: SchemaEntry[] }
const classes = new Map(schema.e.filter((e) => e.kind === 'class').map((e) => [e.name, e]))

/** Telethon's keys: the schema's names, with `self` and `from` renamed (they are Python keywords or clash). */
const keyOf = (name: string): string => ({ self: 'is_self', from: 'from_' } as Record<string, string>)[name] ?? name
const fieldsOf = (entry: SchemaEntry): SchemaArgument[] => entry.arguments.filter((a) => a.type !== '#')
/** `messageReplies` → `MessageReplies`; the objects in messages have no namespace nor underscore. */
const classNameOf = (tlName: string): string => tlName[0].toUpperCase() + tlName.slice(1)
/** Telethon prints `int` arguments so named as datetimes. */
const isDateName = (name: string): boolean => /(^|_)(date|until|since)($|_)/.test(name) || ['expires', 'expires_at', 'was_online'].includes(name)
const telethonDate = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', '+00:00')

/**
 * JSON.parse, except that integers beyond 2^53 become bigints: they are quoted with a marker
 * before parsing (outside strings only) and revived after.
 */
function parseExactJson(text: string): unknown {
  let out = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const token = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 40))![0]
      out += /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"\\u0000big:${token}"` : token
      i += token.length
    } else {
      out += c
      i++
    }
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith('\u0000big:') ? BigInt(value.slice(5)) : value)
}

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json }

/** Asserts `dict` is `world` under the to_dict() rules; returns the field names seen set. */
function assertTelethonShape(world: TlObject, dict: Json, path: string, seen: Set<string>): void {
  assert.ok(dict !== null && typeof dict === 'object' && !Array.isArray(dict), `${path} is not an object`)
  const entry = classes.get(world._)
  assert.ok(entry, `${world._} is not in the schema`)
  assert.equal(dict._, classNameOf(world._), `${path}._`)
  const fields = fieldsOf(entry)
  const expectedKeys = ['_', ...fields.map((f) => keyOf(f.name))]
  const actualKeys = Object.keys(dict).filter((k) => !(path === 'message' && k === 'meta'))
  assert.deepEqual([...actualKeys].sort(), [...expectedKeys].sort(), `${path}: keys`)
  for (const field of fields) {
    const key = keyOf(field.name)
    const here = `${path}.${key}`
    const worldValue = world[field.name]
    const value = dict[key] as Json
    if (worldValue !== undefined && worldValue !== false) seen.add(`${world._}.${field.name}`)
    if (field.type === 'MessageMedia') {
      assert.equal(value, null, `${here}: media is stripped`)
    } else if (field.type === 'true') {
      assert.equal(value, worldValue === true, `${here}: a flag is a boolean`)
    } else if (field.typeModifiers?.isVector === true) {
      assert.ok(Array.isArray(value), `${here} is not an array`)
      const items = (worldValue ?? []) as unknown[]
      assert.equal(value.length, items.length, `${here}: length`)
      items.forEach((item, i) => assertValue(field, item, value[i] as Json, `${here}[${i}]`, seen))
    } else if (worldValue === undefined) {
      if (field.typeModifiers?.predicate !== undefined) assert.equal(value, null, `${here}: absent optional`)
      else assert.fail(`${here}: the world left a required field out`)
    } else {
      assertValue(field, worldValue, value, here, seen)
    }
  }
}

function assertValue(field: SchemaArgument, worldValue: unknown, value: Json, path: string, seen: Set<string>): void {
  if (typeof worldValue === 'object' && worldValue !== null && '_' in worldValue) {
    assertTelethonShape(worldValue as TlObject, value, path, seen)
    return
  }
  switch (field.type) {
    case 'int':
      if (isDateName(field.name)) {
        assert.equal(typeof value, 'string', `${path}: a date is a string`)
        assert.match(value as string, TELETHON_DATE, path)
        assert.equal(value, telethonDate(worldValue as number), path)
      } else {
        assert.equal(value, worldValue, path)
      }
      return
    case 'long':
    case 'int53':
      assert.ok(typeof value === 'number' || typeof value === 'bigint', `${path}: not an integer`)
      assert.equal(BigInt(value), BigInt(worldValue as number | bigint), path)
      return
    case 'bytes':
      assert.equal(value, Buffer.from(worldValue as Buffer).toString('base64'), path)
      return
    default:
      assert.equal(value, worldValue, path)
  }
}

let emulator: Emulator
let service: Service
let viewer: Viewer
let expected: WorldMessageRef[]
let rawText: string
let returned: Array<Record<string, Json>>

before(async () => {
  emulator = await startEmulator({ world: { seed: 4, channels: 6, messagesPerChannel: 300, spanSeconds: SPAN, now: NOW } })
  service = await startService({ sharedEmulator: emulator })
  assert.equal((await signIn(service.url, { phone: PHONE })).status, 206)
  assert.equal((await signIn(service.url, { phone: PHONE, password: emulator.lastCode(PHONE) })).status, 200)
  const account = emulator.accounts.toJSON().accounts.find((a) => a.phone === PHONE.slice(1))
  const user = account === undefined ? undefined : emulator.accounts.userById(account.userId)
  assert.ok(user)
  viewer = { user, isMember: () => true }

  expected = expectedChannelMessages(emulator.world, AFTER, NOW)
  const response = await fetch(`${service.url}/messages?start_time=${isoTime(AFTER)}&end_time=${isoTime(NOW)}`)
  assert.equal(response.status, 200)
  rawText = await response.text()
  returned = parseExactJson(rawText) as Array<Record<string, Json>>
})
after(async () => {
  await service?.close()
  await emulator?.stop()
})

const worldMessage = (ref: WorldMessageRef): TlObject =>
  materializeMessage(emulator.world, ref.history, ref.index, viewer, new PeerRefs())

test('the schema read by the test is layer 227 and `message` has the fields the spec names', () => {
  assert.equal(schema.l, 227)
  const names = fieldsOf(classes.get('message')!).map((f) => f.name)
  for (const name of ['id', 'peer_id', 'date', 'message', 'out', 'post', 'from_id', 'fwd_from', 'reply_to', 'media',
    'entities', 'views', 'forwards', 'replies', 'edit_date', 'post_author', 'grouped_id', 'reactions', 'restriction_reason', 'ttl_period']) {
    assert.ok(names.includes(name), name)
  }
  assert.ok(!names.includes('flags') && !names.includes('flags2'))
})

test('every returned message has exactly the layer-227 `message` fields plus `meta`, valued as the world has them', () => {
  assert.equal(returned.length, expected.length)
  const seen = new Set<string>()
  returned.forEach((dict, i) => {
    const ref = expected[i]
    assert.equal(messageKey((dict.peer_id as { channel_id: number }).channel_id, dict.id as number), messageKey(ref.channel.id, ref.id))
    assertTelethonShape(worldMessage(ref), dict, 'message', seen)
  })
  // The comparison went through every kind of field the spec describes.
  for (const field of ['message.out', 'message.post', 'message.from_id', 'message.fwd_from', 'message.reply_to', 'message.media',
    'message.entities', 'message.views', 'message.forwards', 'message.replies', 'message.edit_date', 'message.post_author',
    'message.grouped_id', 'message.reactions', 'messageReplies.recent_repliers', 'messageReplies.channel_id',
    'messageFwdHeader.date', 'messageFwdHeader.channel_post', 'messageReactions.results', 'messageReactions.can_see_list']) {
    assert.ok(seen.has(field), `no returned message has ${field}`)
  }
})

test('class names, flags, nulls and empty vectors follow to_dict() on a plain broadcast post', () => {
  const index = returned.findIndex((m) => m.post === true && m.fwd_from === null && m.grouped_id === null)
  assert.ok(index >= 0)
  const message = returned[index]
  assert.equal(message._, 'Message')
  assert.deepEqual(message.peer_id, { _: 'PeerChannel', channel_id: expected[index].channel.id })
  for (const flag of ['out', 'mentioned', 'media_unread', 'silent', 'from_scheduled', 'legacy', 'edit_hide', 'pinned', 'noforwards',
    'invert_media', 'offline', 'video_processing_pending', 'paid_suggested_post_stars', 'paid_suggested_post_ton']) {
    assert.equal(message[flag], false, flag)
  }
  for (const absent of ['from_id', 'fwd_from', 'via_bot_id', 'via_business_bot_id', 'media', 'reply_markup', 'ttl_period',
    'quick_reply_shortcut_id', 'effect', 'factcheck', 'report_delivery_until_date', 'paid_message_stars', 'suggested_post',
    'saved_peer_id', 'from_boosts_applied']) {
    assert.equal(message[absent], null, absent)
  }
  assert.deepEqual(message.restriction_reason, [])
  assert.equal(typeof message.views, 'number')
  assert.match(message.date as string, TELETHON_DATE)
})

test('dates are YYYY-MM-DDTHH:MM:SS+00:00 and match the world dates', () => {
  returned.forEach((message, i) => {
    assert.match(message.date as string, TELETHON_DATE)
    assert.equal(message.date, telethonDate(expected[i].date))
    if (message.edit_date !== null) assert.match(message.edit_date as string, TELETHON_DATE)
  })
})

test('media is null even where the world message carries a photo or a video', () => {
  const withMedia = expected.map((ref, i) => ({ i, world: worldMessage(ref) })).filter(({ world }) => world.media !== undefined)
  const kinds = new Set(withMedia.map(({ world }) => (world.media as TlObject)._))
  assert.ok(kinds.has('messageMediaPhoto') && kinds.has('messageMediaDocument'))
  for (const { i } of withMedia) assert.equal(returned[i].media, null)
})

test('meta names the channel each message comes from', () => {
  returned.forEach((message, i) => {
    const channel = expected[i].channel
    const meta = message.meta as { channel_name: string | null, channel_title: string }
    assert.equal(meta.channel_name, channel.username)
    assert.equal(meta.channel_title, channel.title)
  })
  // Broadcast channels and supergroups both.
  const titles = new Set(returned.map((m) => (m.meta as { channel_title: string }).channel_title))
  assert.ok([...titles].some((t) => t.startsWith('Canal ')) && [...titles].some((t) => t.endsWith(' Chat')))
})

test('grouped_id is written as the exact 64-bit integer, beyond what a double holds', () => {
  const inText = [...rawText.matchAll(/"grouped_id":(-?\d+|null)/g)].map((m) => m[1])
  assert.equal(inText.length, expected.length)
  const albums = expected.map((ref, i) => ({ i, world: worldMessage(ref) })).filter(({ world }) => world.grouped_id !== undefined)
  assert.ok(albums.length > 5)
  let beyondDouble = 0
  for (const { i, world } of albums) {
    const exact = world.grouped_id as bigint
    assert.equal(BigInt(inText[i]), exact)
    if (BigInt(Number(exact)) !== exact) beyondDouble++
  }
  // Reading these through a double would have changed (nearly all of) them: the check above can fail.
  assert.ok(beyondDouble > albums.length * 0.9)
  // Messages of one album share the value; the others have null.
  for (let i = 0; i < expected.length; i++) {
    if (!albums.some((a) => a.i === i)) assert.equal(inText[i], 'null')
  }
})

test('NDJSON lines carry the same exact 64-bit integers', async () => {
  const response = await fetch(`${service.url}/messages?start_time=${isoTime(AFTER)}&end_time=${isoTime(NOW)}`, {
    headers: { accept: 'application/x-ndjson' },
  })
  const lines = (await response.text()).trimEnd().split('\n')
  assert.equal(lines.length, expected.length)
  lines.forEach((line, i) => {
    const group = /"grouped_id":(-?\d+|null)/.exec(line)?.[1]
    const world = worldMessage(expected[i]).grouped_id as bigint | undefined
    assert.equal(group, world === undefined ? 'null' : world.toString())
  })
})
