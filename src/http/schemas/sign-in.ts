import { Type, type Static } from 'typebox'
import { problemRef } from './problem.ts'

export const SignInBody = Type.Object(
  {
    phone: Type.String({ minLength: 1, maxLength: 64, description: 'Phone number in international format', examples: ['+1234567890'] }),
    password: Type.Optional(Type.String({ maxLength: 64, description: 'The one-time login code (the Python service\'s name for it)' })),
    code: Type.Optional(Type.String({ maxLength: 64, description: 'Alias of `password`' })),
    two_factor_password: Type.Optional(
      Type.String({ maxLength: 1024, description: 'The cloud password, for accounts with two-step verification' }),
    ),
  },
  { examples: [{ phone: '+1234567890' }, { phone: '+1234567890', password: '12345' }] },
)
export type SignInBody = Static<typeof SignInBody>

export const SignInNextStep = Type.Object({
  next: Type.Union([Type.Literal('code'), Type.Literal('two_factor_password')]),
  hint: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  timeout: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
})

export const signInSchema = {
  summary: 'Sign in the Telegram account',
  description:
    'Step 1: `{phone}` asks Telegram to send a code (206). Step 2: `{phone, password}` with the code (200, or 206 when ' +
    'the account has two-step verification). Step 3: `{phone, two_factor_password}` (200). Already signed in: 200.',
  tags: ['sign-in'],
  body: SignInBody,
  response: {
    200: Type.Null({ description: 'Signed in; the session is saved' }),
    206: SignInNextStep,
    400: problemRef,
    401: problemRef,
    409: problemRef,
    410: problemRef,
    429: problemRef,
    502: problemRef,
    503: problemRef,
  },
}
