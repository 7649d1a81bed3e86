import { Type, type Static } from 'typebox'
import { problems, TELEGRAM_PROBLEMS } from './problem.ts'
import { ChannelsQueryField } from './messages.ts'
import { MAX_CURSOR_LENGTH } from '../../live/live-cursor.ts'

export const LiveQuery = Type.Object({
  start_time: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'First send every message dated after this time (ISO 8601, a date or a Unix timestamp), oldest first, then go live. E.g. `2025-07-01T00:00:00Z`',
    }),
  ),
  last_event_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_CURSOR_LENGTH,
      description: 'Resume right after this event (its `id:`); the `Last-Event-ID` header, when sent, wins',
    }),
  ),
  channels: ChannelsQueryField,
  stream_token: Type.Optional(
    Type.String({
      maxLength: 80,
      description: 'With API_TOKEN, for browsers (`EventSource` sends no `Authorization`): a token from `POST /messages/live/token`, in place of the bearer token',
    }),
  ),
})
export type LiveQuery = Static<typeof LiveQuery>

/** `event: delete` data. */
export const LiveDeletion = Type.Object(
  {
    channel_id: Type.Integer({ description: 'The bare channel id, as in PeerChannel.channel_id' }),
    ids: Type.Array(Type.Integer(), { description: 'The deleted message ids, ascending' }),
  },
  { $id: 'LiveDeletion', additionalProperties: false },
)

export const liveSchema = {
  summary: 'New channel messages, edits and deletions as they happen (Server-Sent Events)',
  description: [
    'A `text/event-stream` (usable with a browser\'s `EventSource`). Each event has an `id:` (an opaque cursor)',
    'and is one of:',
    '',
    '- `event: message`: a new message, `data:` in the same Telethon `to_dict()` shape as `GET /messages`',
    '  (schema `TelethonMessage`);',
    '- `event: edit`: the edited message, same shape;',
    '- `event: delete`: `{"channel_id": ..., "ids": [...]}` (schema `LiveDeletion`).',
    '',
    'A comment line (`: heartbeat`) goes out at least every 15 seconds. `start_time` first sends every message',
    'after that time, oldest first, then goes live with no gap and no duplicate. `Last-Event-ID` (sent by',
    '`EventSource` when it reconnects) or `last_event_id` resumes right after that event, across dropped',
    'connections, service restarts and downtime. Per channel, messages come in id order. A subscriber that',
    'falls too far behind is disconnected and resumes by its `Last-Event-ID`. `channels` streams only the named',
    'channels (resolved before the stream starts: one the account is not in is a 404 naming it).',
  ].join('\n'),
  tags: ['messages'],
  querystring: LiveQuery,
  produces: ['text/event-stream'],
  response: {
    200: {
      description: 'The event stream',
      content: {
        'text/event-stream': {
          schema: Type.String({
            description: 'Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html)',
            examples: ['id: MX5...\nevent: message\ndata: {"_":"Message","id":423,...}\n\n: heartbeat\n\n'],
          }),
        },
      },
    },
    ...problems({ 400: ['BAD_REQUEST', 'INVALID_CURSOR'], 401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'], 404: ['CHANNEL_NOT_JOINED'], ...TELEGRAM_PROBLEMS }),
  },
}

export const StreamTokenAnswer = Type.Object({
  token: Type.String({ description: 'Pass as `?stream_token=` to GET /messages/live; accepted nowhere else', examples: ['st1.mj0f3k2.q9V…'] }),
  expires: Type.String({ format: 'date-time', description: 'After this the token opens no stream (one already open goes on)' }),
})

export const streamTokenSchema = {
  summary: 'A short-lived token that opens the live feed from a browser',
  description: [
    'With `API_TOKEN` set, a browser\'s `EventSource` cannot send the bearer token. Ask for a stream token with',
    'the bearer token (from your page\'s code, never put the bearer token in a URL), then open',
    '`new EventSource(\'/messages/live?stream_token=…\')`. The token is good for GET /messages/live alone, for',
    'five minutes (EventSource may reconnect with it meanwhile); after that, ask for another and resume with',
    '`last_event_id`. Without `API_TOKEN` the live feed needs no token, and one is accepted and ignored.',
  ].join('\n'),
  tags: ['messages'],
  response: { 201: StreamTokenAnswer, ...problems({ 401: ['UNAUTHORIZED'], 403: ['CROSS_ORIGIN_FORBIDDEN'] }) },
}
