import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Long } from '@mtcute/core'
import type { tl } from '@mtcute/core'
import { telethonClassName, telethonDate, toTelethonDict, writeTelethonJson } from '../../src/telegram/history/telethon-shape.ts'
import type { TelethonDict } from '../../src/telegram/history/telethon-shape.ts'

// docs/spec.md §4: a message as the Python service (Telethon, layer 144) returned it.
const SPEC_EXAMPLE = `{"_": "Message", "id": 42, "peer_id": {"_": "PeerChannel", "channel_id": 1234567890},
 "date": "2025-07-01T12:34:56+00:00", "message": "hello", "out": false, "mentioned": false,
 "media_unread": false, "silent": false, "post": true, "from_scheduled": false, "legacy": false,
 "edit_hide": false, "pinned": false, "noforwards": false,
 "from_id": {"_": "PeerUser", "user_id": 777}, "fwd_from": null, "via_bot_id": null,
 "reply_to": null, "media": null, "reply_markup": null, "entities": [], "views": 10,
 "forwards": 2, "replies": {"_": "MessageReplies", "replies": 3, "replies_pts": 5,
 "comments": false, "recent_repliers": [], "channel_id": null, "max_id": null,
 "read_max_id": null}, "edit_date": null, "post_author": "Ann",
 "grouped_id": -9123372036854775807, "reactions": null, "restriction_reason": [],
 "ttl_period": null, "meta": {"channel_name": "canal_123"}}`

/** The example as compact JSON: no string in it contains a space, so dropping the layout whitespace is exact. */
const SPEC_EXAMPLE_COMPACT = SPEC_EXAMPLE.replace(/\n/g, '').replace(/([:,]) /g, '$1')

const JULY_1_2025 = Date.UTC(2025, 6, 1, 12, 34, 56) / 1000

/** The mtcute raw object Telegram's answer for that message decodes to. */
function exampleMessage(): tl.RawMessage {
  return {
    _: 'message',
    post: true,
    id: 42,
    fromId: { _: 'peerUser', userId: 777 },
    peerId: { _: 'peerChannel', channelId: 1234567890 },
    date: JULY_1_2025,
    message: 'hello',
    media: { _: 'messageMediaPhoto', spoiler: true, ttlSeconds: 5 },
    views: 10,
    forwards: 2,
    replies: { _: 'messageReplies', replies: 3, repliesPts: 5 },
    postAuthor: 'Ann',
    groupedId: Long.fromString('-9123372036854775807'),
  }
}

/** Message fields of layer 227 that layer 144 lacks, with the value the rules give them when absent. */
const LAYER_227_ADDITIONS: TelethonDict = {
  invert_media: false,
  offline: false,
  video_processing_pending: false,
  paid_suggested_post_stars: false,
  paid_suggested_post_ton: false,
  from_boosts_applied: null,
  from_rank: null,
  saved_peer_id: null,
  via_business_bot_id: null,
  guestchat_via_from: null,
  quick_reply_shortcut_id: null,
  effect: null,
  factcheck: null,
  report_delivery_until_date: null,
  paid_message_stars: null,
  suggested_post: null,
  schedule_repeat_period: null,
  summary_from_language: null,
  rich_message: null,
}

test('the example message of docs/spec.md §4 is written exactly as the Python service wrote it', () => {
  const dict = toTelethonDict(exampleMessage(), { channel_name: 'canal_123' })
  const layer144: TelethonDict = {}
  for (const [key, value] of Object.entries(dict)) {
    if (!(key in LAYER_227_ADDITIONS)) layer144[key] = value
  }
  assert.equal(writeTelethonJson(layer144), SPEC_EXAMPLE_COMPACT)
})

test('fields newer than layer 144 follow the same rules, in Telethon order', () => {
  const dict = toTelethonDict(exampleMessage(), { channel_name: 'canal_123', channel_title: 'Canal' })
  const additions = Object.fromEntries(Object.entries(dict).filter(([key]) => key in LAYER_227_ADDITIONS))
  assert.deepEqual(additions, LAYER_227_ADDITIONS)
  assert.deepEqual(Object.keys(dict), [
    '_', 'id', 'peer_id', 'date', 'message',
    'out', 'mentioned', 'media_unread', 'silent', 'post', 'from_scheduled', 'legacy', 'edit_hide', 'pinned',
    'noforwards', 'invert_media', 'offline', 'video_processing_pending', 'paid_suggested_post_stars',
    'paid_suggested_post_ton', 'from_id', 'from_boosts_applied', 'from_rank', 'saved_peer_id', 'fwd_from',
    'via_bot_id', 'via_business_bot_id', 'guestchat_via_from', 'reply_to', 'media', 'reply_markup', 'entities',
    'views', 'forwards', 'replies', 'edit_date', 'post_author', 'grouped_id', 'reactions', 'restriction_reason',
    'ttl_period', 'quick_reply_shortcut_id', 'effect', 'factcheck', 'report_delivery_until_date',
    'paid_message_stars', 'suggested_post', 'schedule_repeat_period', 'summary_from_language', 'rich_message',
    'meta',
  ])
  assert.deepEqual(dict.meta, { channel_name: 'canal_123', channel_title: 'Canal' })
})

test('64-bit integers are exact in the tree and in the JSON text', () => {
  const message = {
    ...exampleMessage(),
    groupedId: Long.fromString('9223372036854775807'),
    effect: Long.fromString('-9223372036854775808'),
    viaBotId: 9007199254740991,
    peerId: { _: 'peerChannel', channelId: 2 ** 40 + 1 },
  }
  const dict = toTelethonDict(message)
  assert.equal(dict.grouped_id, 9223372036854775807n)
  assert.equal(dict.effect, -9223372036854775808n)
  assert.equal(dict.via_bot_id, 9007199254740991n)
  assert.deepEqual(dict.peer_id, { _: 'PeerChannel', channel_id: 1099511627777n })
  const json = writeTelethonJson(dict)
  assert.match(json, /"grouped_id":9223372036854775807,/)
  assert.match(json, /"effect":-9223372036854775808,/)
  assert.match(json, /"channel_id":1099511627777\}/)
})

test('date fields are written as UTC ISO 8601 without fraction, other ints stay numbers', () => {
  const dict = toTelethonDict({
    ...exampleMessage(),
    editDate: JULY_1_2025 + 3600,
    reportDeliveryUntilDate: 0,
    scheduleRepeatPeriod: 86400,
    fwdFrom: { _: 'messageFwdHeader', date: 1_600_000_000, savedDate: 1_700_000_000, channelPost: 7 },
  })
  assert.equal(dict.date, '2025-07-01T12:34:56+00:00')
  assert.equal(dict.edit_date, '2025-07-01T13:34:56+00:00')
  assert.equal(dict.report_delivery_until_date, '1970-01-01T00:00:00+00:00')
  assert.equal(dict.schedule_repeat_period, 86400)
  const fwd = dict.fwd_from as TelethonDict
  assert.equal(fwd.date, '2020-09-13T12:26:40+00:00')
  assert.equal(fwd.saved_date, '2023-11-14T22:13:20+00:00')
  assert.equal(fwd.channel_post, 7)
  assert.deepEqual(toTelethonDict({ _: 'userStatusOffline', wasOnline: 1_700_000_000 }), { _: 'UserStatusOffline', was_online: '2023-11-14T22:13:20+00:00' })
  const banned = toTelethonDict({ _: 'channelParticipantBanned', peer: { _: 'peerUser', userId: 1 }, kickedBy: 2, date: 0, bannedRights: { _: 'chatBannedRights', untilDate: 2_000_000_000, viewMessages: true } })
  assert.equal(banned.date, '1970-01-01T00:00:00+00:00')
  assert.equal(banned.kicked_by, 2n)
  const rights = banned.banned_rights as TelethonDict
  assert.equal(rights.until_date, '2033-05-18T03:33:20+00:00')
  assert.equal(rights.view_messages, true)
  assert.equal(rights.send_messages, false)
})

test('telethonDate formats whole seconds like Python datetime.isoformat', () => {
  assert.equal(telethonDate(0), '1970-01-01T00:00:00+00:00')
  assert.equal(telethonDate(2_147_483_647), '2038-01-19T03:14:07+00:00')
  assert.equal(telethonDate(-1), '1969-12-31T23:59:59+00:00')
})

test('vectors convert element by element, absent vectors are empty', () => {
  const dict = toTelethonDict({
    ...exampleMessage(),
    entities: [{ _: 'messageEntityBold', offset: 0, length: 5 }, { _: 'messageEntityUrl', offset: 6, length: 3 }],
    restrictionReason: [{ _: 'restrictionReason', platform: 'all', reason: 'porn', text: 'no' }],
  })
  assert.deepEqual(dict.entities, [
    { _: 'MessageEntityBold', offset: 0, length: 5 },
    { _: 'MessageEntityUrl', offset: 6, length: 3 },
  ])
  assert.deepEqual(dict.restriction_reason, [{ _: 'RestrictionReason', platform: 'all', reason: 'porn', text: 'no' }])
  const replies = toTelethonDict({ _: 'messageReplies', replies: 1, repliesPts: 2, recentRepliers: [{ _: 'peerUser', userId: 5 }], comments: true, channelId: 9 })
  assert.deepEqual(replies, {
    _: 'MessageReplies', replies: 1, replies_pts: 2, comments: true,
    recent_repliers: [{ _: 'PeerUser', user_id: 5n }], channel_id: 9n, max_id: null, read_max_id: null,
  })
})

test('media is stripped wherever it appears', () => {
  const dict = toTelethonDict({
    ...exampleMessage(),
    replyTo: { _: 'messageReplyHeader', replyToMsgId: 41, replyMedia: { _: 'messageMediaPhoto' }, quote: true },
  })
  assert.equal(dict.media, null)
  const reply = dict.reply_to as TelethonDict
  assert.equal(reply._, 'MessageReplyHeader')
  assert.equal(reply.reply_media, null)
  assert.equal(reply.reply_to_msg_id, 41)
  assert.equal(reply.quote, true)
  assert.deepEqual(reply.quote_entities, [])
})

test('bytes are written as standard base64', () => {
  const markup = toTelethonDict({
    _: 'replyInlineMarkup',
    rows: [{ _: 'keyboardButtonRow', buttons: [{ _: 'keyboardButtonCallback', text: 'Go', data: new Uint8Array([0xfb, 0xff, 0x00, 0x41]) }] }],
  })
  assert.deepEqual(markup, {
    _: 'ReplyInlineMarkup',
    rows: [{ _: 'KeyboardButtonRow', buttons: [{ _: 'KeyboardButtonCallback', text: 'Go', data: '+/8AQQ==', requires_password: false, style: null }] }],
  })
})

test('keys follow Telethon: required arguments first, random_id last, self and from renamed', () => {
  const encrypted = toTelethonDict({
    _: 'encryptedMessage',
    randomId: Long.fromString('-2'),
    chatId: 7,
    date: 86400,
    bytes: new Uint8Array([1, 2, 3]),
    file: { _: 'encryptedFileEmpty' },
  })
  assert.deepEqual(Object.entries(encrypted), [
    ['_', 'EncryptedMessage'],
    ['chat_id', 7],
    ['date', '1970-01-02T00:00:00+00:00'],
    ['bytes', 'AQID'],
    ['file', { _: 'EncryptedFileEmpty' }],
    ['random_id', -2n],
  ])
  const user = toTelethonDict({ _: 'user', self: true, id: 777, firstName: 'Ann' })
  assert.equal(user.is_self, true)
  assert.equal(user.id, 777n)
  assert.equal(user.first_name, 'Ann')
  assert.deepEqual(user.usernames, [])
  assert.equal(Object.keys(user)[1], 'id')
  assert.ok(!('self' in user) && !('flags' in user) && !('flags2' in user))
  const header = toTelethonDict({ _: 'storyFwdHeader', from: { _: 'peerChannel', channelId: 3 }, storyId: 4 })
  assert.deepEqual(header, { _: 'StoryFwdHeader', modified: false, from_: { _: 'PeerChannel', channel_id: 3n }, from_name: null, story_id: 4 })
})

test('class names drop the namespace and upper-case the first letter', () => {
  assert.equal(telethonClassName('message'), 'Message')
  assert.equal(telethonClassName('peerChannel'), 'PeerChannel')
  assert.equal(telethonClassName('messageReplies'), 'MessageReplies')
  assert.equal(telethonClassName('messages.channelMessages'), 'ChannelMessages')
  assert.equal(telethonClassName('help.configSimple'), 'ConfigSimple')
  const page = toTelethonDict({ _: 'messages.channelMessages', pts: 1, count: 0, messages: [], topics: [], chats: [], users: [] })
  assert.deepEqual(page, { _: 'ChannelMessages', pts: 1, count: 0, messages: [], topics: [], chats: [], users: [], inexact: false, offset_id_offset: null })
})

test('Bool and double values pass through, an absent optional Bool is null', () => {
  assert.deepEqual(toTelethonDict({ _: 'geoPoint', long: 2.35, lat: 48.85, accessHash: Long.fromNumber(5) }), {
    _: 'GeoPoint', long: 2.35, lat: 48.85, access_hash: 5n, accuracy_radius: null,
  })
  assert.deepEqual(toTelethonDict({ _: 'pollAnswerVoters', chosen: true, option: new Uint8Array([48]), voters: 3 }), {
    _: 'PollAnswerVoters', option: 'MA==', chosen: true, correct: false, voters: 3, recent_voters: [],
  })
})

test('a constructor unknown to the schema keeps its own fields in snake_case', () => {
  assert.deepEqual(toTelethonDict({ _: 'futureThing', someId: Long.fromNumber(3), rawData: new Uint8Array([255]), nested: { _: 'peerUser', userId: 1 } }), {
    _: 'FutureThing', some_id: 3n, raw_data: '/w==', nested: { _: 'PeerUser', user_id: 1n },
  })
})

test('the JSON writer escapes strings and writes compact JSON that parses back', () => {
  const tree: TelethonDict = { _: 'X', text: 'quote " backslash \\ newline \n emoji 😀 nul \u0000', list: [1, -2.5, true, null, [], {}], big: -1n }
  const json = writeTelethonJson(tree)
  assert.equal(json, '{"_":"X","text":"quote \\" backslash \\\\ newline \\n emoji 😀 nul \\u0000","list":[1,-2.5,true,null,[],{}],"big":-1}')
  assert.deepEqual(JSON.parse(json), { ...tree, big: -1 })
  assert.equal(writeTelethonJson([]), '[]')
  assert.equal(writeTelethonJson(12345678901234567890n), '12345678901234567890')
})

test('the converted example round-trips through a JSON parser apart from 64-bit precision', () => {
  const json = writeTelethonJson(toTelethonDict(exampleMessage(), { channel_name: null, channel_title: 'T' }))
  const parsed = JSON.parse(json) as Record<string, unknown>
  assert.equal(parsed._, 'Message')
  assert.deepEqual(parsed.meta, { channel_name: null, channel_title: 'T' })
  assert.equal(parsed.media, null)
})
