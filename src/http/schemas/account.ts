import { Type, type Static } from 'typebox'
import { problems, TELEGRAM_PROBLEMS } from './problem.ts'

export const Me = Type.Object({
  id: Type.Integer({ description: 'Telegram user id' }),
  username: Type.Union([Type.String(), Type.Null()]),
  first_name: Type.String(),
  last_name: Type.Union([Type.String(), Type.Null()]),
  name: Type.String({ description: 'First and last name, as Telegram apps show it' }),
})
export type Me = Static<typeof Me>

export const meSchema = {
  summary: 'The signed-in account (no phone number)',
  tags: ['sign-in'],
  response: { 200: Me, ...problems({ 401: ['NOT_SIGNED_IN', 'UNAUTHORIZED'], ...TELEGRAM_PROBLEMS }) },
}

export const signOutSchema = {
  summary: 'Sign out',
  description:
    "Logs the account out at Telegram (auth.logOut) and clears the stored session, a pending sign-in too. Not signed in: 200 as well. " +
    'POST /sign_in works again at once.',
  tags: ['sign-in'],
  response: {
    200: Type.Null({ description: 'Signed out; the stored session is cleared' }),
    ...problems({ 401: ['UNAUTHORIZED'], 403: ['CROSS_ORIGIN_FORBIDDEN'], ...TELEGRAM_PROBLEMS, 503: ['TELEGRAM_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE'] }),
  },
}
