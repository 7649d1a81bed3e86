import { Type, type Static } from 'typebox'

export const Health = Type.Object({
  status: Type.Literal('ok'),
  authorized: Type.Boolean(),
  telegram: Type.Union([Type.Literal('connected'), Type.Literal('connecting'), Type.Literal('disconnected')]),
  sandbox: Type.Boolean(),
})
export type Health = Static<typeof Health>

export const healthSchema = {
  summary: 'Liveness and sign-in state, without account data',
  tags: ['health'],
  security: [],
  response: { 200: Health },
}
