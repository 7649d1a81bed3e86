import { Type, type Static } from 'typebox'
import { problems, TELEGRAM_PROBLEMS } from './problem.ts'

export const Channel = Type.Object({
  id: Type.Integer({ description: 'The bare channel id, as in `PeerChannel.channel_id`', examples: [2200001688] }),
  username: Type.Union([Type.String(), Type.Null()], { description: 'The public username without "@"; null for a private channel' }),
  title: Type.String(),
  type: Type.Union([Type.Literal('channel'), Type.Literal('supergroup')], { description: 'A broadcast channel or a supergroup' }),
  participants_count: Type.Union([Type.Integer(), Type.Null()], { description: 'Members, when Telegram gives the number' }),
  last_message_date: Type.Union([Type.String(), Type.Null()], {
    description: 'Date of the newest message (`YYYY-MM-DDTHH:MM:SS+00:00`), null when there is none',
    examples: ['2025-07-01T12:34:56+00:00'],
  }),
})
export type Channel = Static<typeof Channel>

export const JoinBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A public username, with or without "@"' })),
    link: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'A public link (https://t.me/durov) or an invite link (https://t.me/+HASH, https://t.me/joinchat/HASH)',
      }),
    ),
  },
  // The first example is what "Try it out" pre-fills: the sandbox's public channel the account is not in yet.
  { examples: [{ username: 'canal_5' }, { link: 'https://t.me/canal_5' }, { link: 'https://t.me/+AbCdEf0123456789' }] },
)
export type JoinBody = Static<typeof JoinBody>

export const ChannelParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 64, description: 'A username, a bare id or a -100-prefixed id' }),
})

export const listChannelsSchema = {
  summary: "The account's channels and supergroups",
  description:
    'Every broadcast channel and supergroup the account is in, newest message first, as one JSON array streamed as it is ' +
    'read (Telegram caps an account at 500 channels, 1000 with Premium, so there is no paging); ' +
    '`Accept: application/x-ndjson` gives one channel per line.',
  tags: ['channels'],
  produces: ['application/json', 'application/x-ndjson'],
  response: { 200: Type.Array(Channel), ...problems({ 401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'], ...TELEGRAM_PROBLEMS }) },
}

export const joinChannelSchema = {
  summary: 'Join a channel by username, public link or invite link',
  description:
    'Resolves the channel and joins it: 201 with the channel when joined, 200 when the account was already in it. ' +
    'A channel that admits members by approval answers 403 `INVITE_REQUEST_SENT`: the join request has been sent.',
  tags: ['channels'],
  body: JoinBody,
  response: {
    200: Channel,
    201: Channel,
    ...problems({
      400: ['BAD_REQUEST', 'NOT_A_CHANNEL'],
      401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'],
      403: ['CHANNEL_PRIVATE', 'INVITE_REQUEST_SENT', 'CROSS_ORIGIN_FORBIDDEN'],
      404: ['CHANNEL_NOT_FOUND', 'INVITE_INVALID'],
      409: ['CHANNELS_TOO_MUCH'],
      410: ['INVITE_EXPIRED'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      ...TELEGRAM_PROBLEMS,
    }),
  },
}

export const leaveChannelSchema = {
  summary: 'Leave a channel',
  description: '204 once the account has left it; 404 `CHANNEL_NOT_JOINED` for a channel the account is not in.',
  tags: ['channels'],
  params: ChannelParams,
  response: {
    204: Type.Null({ description: 'Left' }),
    ...problems({ 400: ['BAD_REQUEST'], 401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'], 403: ['CROSS_ORIGIN_FORBIDDEN'], 404: ['CHANNEL_NOT_JOINED'], ...TELEGRAM_PROBLEMS }),
  },
}
