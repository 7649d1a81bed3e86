import { Type, type Static } from 'typebox'
import { problems, TELEGRAM_PROBLEMS } from './problem.ts'

/** `channels`: the same selection on GET /messages and GET /messages/live (http/channel-selection.ts). */
export const ChannelsQueryField = Type.Optional(
  Type.String({
    maxLength: 8192,
    description:
      'Only these channels, comma-separated: usernames (with or without "@"), bare ids or -100-prefixed ids. ' +
      'Only they are read; one the account is not in is 404 `CHANNEL_NOT_JOINED` naming it. Absent: every channel. ' +
      'E.g. `canal_1,-1002200002931`.',
  }),
)

export const MessagesQuery = Type.Object({
  start_time: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'Exclusive lower bound, ISO 8601 (a time without offset is UTC)',
    examples: ['2025-07-01T00:00:00Z'],
  }),
  end_time: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Inclusive upper bound, ISO 8601; default now' }),
  ),
  channels: ChannelsQueryField,
  after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 120,
      description:
        'Resume a cut answer: DATE,CHANNEL_ID,MESSAGE_ID of the last message received (its `date`, `peer_id.channel_id` and `id`). ' +
        'Only the messages after it in the answer\'s order (date descending, channel id ascending, message id descending) are returned. ' +
        'E.g. `2025-07-01T12:34:56+00:00,1234567890,42`.',
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'At most this many messages: the newest of the window (with `after`, the next ones). Absent: the whole window.',
      examples: [20],
    }),
  ),
})
export type MessagesQuery = Static<typeof MessagesQuery>

/** One message in Telethon's `to_dict()` shape; documented loosely, written by the streamer. */
export const TelethonMessage = Type.Object(
  {
    _: Type.String({ examples: ['Message'] }),
    id: Type.Integer(),
    peer_id: Type.Object({ _: Type.String(), channel_id: Type.Integer() }, { additionalProperties: true }),
    date: Type.String({ examples: ['2025-07-01T12:34:56+00:00'] }),
    message: Type.String(),
    meta: Type.Object(
      { channel_name: Type.Union([Type.String(), Type.Null()]), channel_title: Type.String() },
      { additionalProperties: true },
    ),
  },
  {
    $id: 'TelethonMessage',
    description: "A channel message in Telethon's `to_dict()` shape: every field of the TL constructor in snake_case, plus `meta`",
    additionalProperties: true,
  },
)

export const messagesSchema = {
  summary: "The account's channel messages in a time window",
  description:
    'Every message of the account\'s broadcast channels and supergroups with `start_time < date <= end_time`, ' +
    'newest first, in Telethon\'s `to_dict()` shape. `Accept: application/x-ndjson` gives one message per line. ' +
    'Channels Telegram will not let be read are left out and named, with the reason, in a `Skipped-Channels` ' +
    'header (those known before the body starts) and trailer (all of them), e.g. `2200001688;reason=channel_private`. ' +
    'Telegram flood waits up to `FLOOD_WAIT_THRESHOLD` (60 s) are sat through before answering (with `102 Processing` ' +
    'every 15 s), longer ones are a 429 with `Retry-After`; once the answer has started, waits up to `FLOOD_WAIT_MAX` are ' +
    'sat through. The waits met are named in a `Flood-Waits` header (before the answer) and trailer (all), e.g. ' +
    '`messages.getHistory;seconds=15`.',
  tags: ['messages'],
  querystring: MessagesQuery,
  produces: ['application/json', 'application/x-ndjson'],
  response: {
    200: Type.Array(Type.Ref('TelethonMessage')),
    ...problems({ 400: ['BAD_REQUEST'], 401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'], 404: ['CHANNEL_NOT_JOINED'], ...TELEGRAM_PROBLEMS }),
  },
}
