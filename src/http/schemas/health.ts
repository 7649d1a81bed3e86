import { Type, type Static } from 'typebox'

/** One sink of the live feed (docs/spec.md §8), as /health shows it: no account data, no target address. */
export const SinkHealth = Type.Object({
  state: Type.Enum(['starting', 'ok', 'retrying', 'unreachable', 'stopped'], {
    description: 'starting: finding where to resume; ok: delivering; retrying: the last attempt failed and is being retried; unreachable: the target cannot be reached',
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
  status: Type.Literal('ok'),
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
  summary: 'Liveness and sign-in state, without account data',
  tags: ['health'],
  security: [],
  response: { 200: Health },
}
