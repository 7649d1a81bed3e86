import { Type, type Static } from 'typebox'
import { problems, TELEGRAM_PROBLEMS } from './problem.ts'

export const SignInBody = Type.Object(
  {
    phone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Phone number in international format; required except to finish a QR sign-in with `two_factor_password`',
        examples: ['+1234567890'],
      }),
    ),
    password: Type.Optional(Type.String({ maxLength: 64, description: 'The one-time login code (the Python service\'s name for it)' })),
    code: Type.Optional(Type.String({ maxLength: 64, description: 'Alias of `password`' })),
    two_factor_password: Type.Optional(
      Type.String({ maxLength: 1024, description: 'The cloud password, for accounts with two-step verification' }),
    ),
    resend: Type.Optional(
      Type.Boolean({ description: 'With `phone` only: ask Telegram to send the pending code again, by its next way (SMS, then a call)' }),
    ),
  },
  { examples: [{ phone: '+1234567890' }, { phone: '+1234567890', password: '12345' }, { phone: '+1234567890', resend: true }] },
)
export type SignInBody = Static<typeof SignInBody>

export const SignInNextStep = Type.Object({
  next: Type.Union([Type.Literal('code'), Type.Literal('two_factor_password')]),
  hint: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The two-step password hint' })),
  timeout: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'Seconds before `resend` may send the code another way' })),
  delivery: Type.Optional(
    Type.Union([Type.Literal('app'), Type.Literal('sms'), Type.Literal('call'), Type.Literal('other')], { description: 'How Telegram sent the code' }),
  ),
})

export const QrNextStep = Type.Object({
  next: Type.Union([Type.Literal('scan'), Type.Literal('two_factor_password')]),
  url: Type.Optional(Type.String({ description: 'What the QR code encodes: tg://login?token=…', examples: ['tg://login?token=AQID'] })),
  expires: Type.Optional(Type.String({ format: 'date-time', description: 'When the token expires; ask again for a fresh one' })),
  qr_svg: Type.Optional(Type.String({ description: 'The QR code of `url` as an SVG document' })),
  hint: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The two-step password hint' })),
})

export const signInQrSchema = {
  summary: 'Sign in by QR code',
  description:
    'Returns a QR code to scan with a Telegram app where the account is signed in (Settings → Devices → Link Desktop Device). ' +
    'Call again (every second or two) until the code is accepted: 206 with the same code, or a fresh one once it has expired, ' +
    'then 200 — or 206 `two_factor_password`, finished with POST /sign_in `{two_factor_password}`. In the sandbox the demo account ' +
    'accepts every code 3 seconds after it is issued. Already signed in: 200. With `Accept: image/png` or `image/svg+xml` a ' +
    'waiting code is answered as the image itself: this page asks for the PNG unless a media type is picked below, so the ' +
    'code shows here; pick `application/json` for the JSON answer, with `url`, `expires` and `qr_svg`.',
  tags: ['sign-in'],
  response: {
    200: Type.Null({ description: 'Signed in; the session is saved' }),
    206: {
      description: 'A QR code to scan, or the two-step password next',
      content: {
        'application/json': { schema: QrNextStep },
        'image/png': { schema: Type.String({ format: 'binary', description: 'The QR code (while waiting for the scan)' }) },
        'image/svg+xml': { schema: Type.String({ description: 'The QR code (while waiting for the scan)' }) },
      },
    },
    ...problems({ 401: ['UNAUTHORIZED'], 403: ['CROSS_ORIGIN_FORBIDDEN'], ...TELEGRAM_PROBLEMS, 503: ['TELEGRAM_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE'] }),
  },
}

export const signInSchema = {
  summary: 'Sign in the Telegram account',
  description:
    'Step 1: `{phone}` asks Telegram to send a code (206). Step 2: `{phone, password}` with the code (200, or 206 when ' +
    'the account has two-step verification). Step 3: `{phone, two_factor_password}` (200). `{phone, resend: true}` sends the ' +
    'code again by the next way Telegram has. Already signed in: 200.',
  tags: ['sign-in'],
  body: SignInBody,
  response: {
    200: Type.Null({ description: 'Signed in; the session is saved' }),
    206: SignInNextStep,
    ...problems({
      400: ['BAD_REQUEST', 'PHONE_NUMBER_INVALID', 'PHONE_CODE_INVALID', 'PHONE_NUMBER_UNOCCUPIED'],
      401: ['PASSWORD_HASH_INVALID', 'UNAUTHORIZED'],
      403: ['EMAIL_SETUP_REQUIRED', 'CROSS_ORIGIN_FORBIDDEN'],
      409: ['NO_PENDING_SIGN_IN', 'SEND_CODE_UNAVAILABLE'],
      410: ['PHONE_CODE_EXPIRED'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      ...TELEGRAM_PROBLEMS,
      503: ['TELEGRAM_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE'],
    }),
  },
}
