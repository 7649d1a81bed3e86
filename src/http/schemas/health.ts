import { Type, type Static } from 'typebox'

/** One sink of the live feed (docs/spec.md §8), as /health shows it: no account data, no target address. */
export const SinkHealth = Type.Object({
  state: Type.Enum(['starting', 'ok', 'retrying', 'unreachable', 'gone', 'stopped'], {
    description: 'starting: finding where to resume; ok: delivering; retrying: the last attempt failed and is being retried; unreachable: the target cannot be reached; gone: the webhook answered 410 Gone, and deliveries to it stopped until the service restarts',
  }),
  pending: Type.Integer({ minimum: 0, description: 'Events read from the feed and not yet delivered' }),
  lag_seconds: Type.Number({ minimum: 0, description: 'Seconds since the oldest pending event happened' }),
  delivered: Type.Integer({ minimum: 0 }),
  refused: Type.Integer({ minimum: 0, description: 'Events the target refused for good (skipped)' }),
  retries: Type.Integer({ minimum: 0 }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed (an HTTP status or an error code), until one succeeds' }),
})
export type SinkHealth = Static<typeof SinkHealth>

export const Health = Type.Object({
  status: Type.Enum(['ok', 'degraded'], {
    description: 'ok; degraded (answered with 503 and Retry-After): Telegram is unreachable (a connection failed and none has succeeded since), so requests that need it fail at once with 503 TELEGRAM_UNAVAILABLE',
  }),
  authorized: Type.Boolean(),
  // An enum, not a union of literals: the serializer writes it as it is, where a union (anyOf)
  // has it build a validator to pick the branch, which the first /health after a start waits for.
  telegram: Type.Enum(['connected', 'connecting', 'disconnected']),
  sandbox: Type.Boolean(),
  /** Present when a webhook or NATS is configured. */
  sinks: Type.Optional(Type.Object({
    webhook: Type.Optional(SinkHealth),
    nats: Type.Optional(SinkHealth),
  })),
})
export type Health = Static<typeof Health>

export const healthSchema = {
  summary: 'Health and sign-in state, without account data',
  description: '200 `ok`, or 503 `degraded` while Telegram is unreachable: a readiness check. The process answering at all is its liveness.',
  tags: ['health'],
  security: [],
  response: { 200: Health, 503: { ...Health, description: 'Degraded: Telegram is unreachable' } },
}
