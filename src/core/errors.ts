/**
 * The error catalog: every failure the HTTP API can report, with a stable machine code and
 * its HTTP status. Routes and services throw `AppError`s built by the factories below; the
 * HTTP layer turns any thrown value into `application/problem+json` with `toProblem`.
 */
import { STATUS_CODES } from 'node:http'

export const ERROR_CATALOG = {
  BAD_REQUEST: { status: 400, detail: 'The request is malformed.' },
  PHONE_NUMBER_INVALID: { status: 400, detail: 'The phone number is invalid.' },
  PHONE_CODE_INVALID: { status: 400, detail: 'The login code is invalid.' },
  NOT_A_CHANNEL: { status: 400, detail: 'This names a user, a bot or a basic group, not a channel or supergroup.' },
  PHONE_NUMBER_UNOCCUPIED: {
    status: 400,
    detail: 'This phone number has no Telegram account, and this service creates none: sign up with an official Telegram app first, then sign in here.',
  },
  UNAUTHORIZED: { status: 401, detail: 'A valid bearer token is required: send "Authorization: Bearer <API_TOKEN>".' },
  INVALID_CURSOR: { status: 400, detail: 'The Last-Event-ID (or last_event_id) is not a cursor this service gave out.' },
  NOT_SIGNED_IN: { status: 401, detail: 'The service is not signed in to Telegram: POST /sign_in first.' },
  PASSWORD_HASH_INVALID: { status: 401, detail: 'The two-step verification password is wrong.' },
  CHANNEL_PRIVATE: { status: 403, detail: 'The channel is private: join it with an invite link.' },
  INVITE_REQUEST_SENT: {
    status: 403,
    detail: 'The channel admits members by approval: a join request was sent to its admins; it is listed once they accept it.',
  },
  CROSS_ORIGIN_FORBIDDEN: {
    status: 403,
    detail: 'A page on another origin cannot change this account. Call the API from a program, from the service\'s own origin, or from an origin listed in CORS_ORIGINS.',
  },
  EMAIL_SETUP_REQUIRED: {
    status: 403,
    detail: 'Telegram requires this account to set up a login e-mail before it sends a code: sign in with an official Telegram app, add a login e-mail there (Settings → Privacy and Security), then try again — or sign in here by QR code (POST /sign_in/qr).',
  },
  NOT_FOUND: { status: 404, detail: 'No such resource.' },
  CHANNEL_NOT_FOUND: { status: 404, detail: 'No public channel or supergroup has this username.' },
  CHANNEL_NOT_JOINED: { status: 404, detail: 'The account is not in this channel: POST /channels to join it.' },
  INVITE_INVALID: { status: 404, detail: 'The invite link is not valid.' },
  METHOD_NOT_ALLOWED: { status: 405, detail: 'The resource does not support this method.' },
  NOT_ACCEPTABLE: { status: 406, detail: 'None of the accepted media types can be produced.' },
  CHANNELS_TOO_MUCH: {
    status: 409,
    detail: 'The account is in as many channels and supergroups as Telegram allows: leave one (DELETE /channels/{channel}) first.',
  },
  NO_PENDING_SIGN_IN: { status: 409, detail: 'No sign-in is pending for this phone number: POST /sign_in with {"phone"} first.' },
  SEND_CODE_UNAVAILABLE: {
    status: 409,
    detail: 'Telegram has no other way left to send the code: use the code already sent, or ask for a new one with {"phone"}.',
  },
  PHONE_CODE_EXPIRED: { status: 410, detail: 'The login code has expired: request a new one.' },
  INVITE_EXPIRED: { status: 410, detail: 'The invite link has expired or was revoked.' },
  HOST_NOT_ALLOWED: {
    status: 421,
    detail: 'This service does not answer for this Host: reach it by its own address, or add the name to ALLOWED_HOSTS.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, detail: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, detail: 'The request body must be application/json.' },
  FLOOD_WAIT: { status: 429, detail: 'Telegram asks to wait before retrying.' },
  INTERNAL_ERROR: { status: 500, detail: 'An unexpected error occurred.' },
  TELEGRAM_ERROR: { status: 502, detail: 'Telegram answered with an unexpected error.' },
  TELEGRAM_UNAVAILABLE: { status: 503, detail: 'Telegram cannot be reached right now.' },
  SESSION_STORE_UNAVAILABLE: { status: 503, detail: 'The session store cannot be written right now.' },
} as const satisfies Record<string, { status: number, detail: string }>

export type ErrorCode = keyof typeof ERROR_CATALOG

export interface AppErrorOptions {
  /** Seconds the client should wait (sent as `Retry-After`, RFC 9110 §10.2.3). */
  retryAfter?: number
  /** The foreign error this one replaces; for the log only, never sent to the client. */
  cause?: unknown
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly detail: string
  readonly retryAfter?: number

  constructor(code: ErrorCode, detail?: string, options: AppErrorOptions = {}) {
    const text = detail ?? ERROR_CATALOG[code].detail
    super(text, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.status = ERROR_CATALOG[code].status
    this.detail = text
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}

export const badRequest = (detail?: string): AppError => new AppError('BAD_REQUEST', detail)
export const phoneNumberInvalid = (detail?: string): AppError => new AppError('PHONE_NUMBER_INVALID', detail)
export const phoneCodeInvalid = (detail?: string): AppError => new AppError('PHONE_CODE_INVALID', detail)
export const unauthorized = (detail?: string): AppError => new AppError('UNAUTHORIZED', detail)
export const invalidCursor = (): AppError => new AppError('INVALID_CURSOR')
export const notSignedIn = (): AppError => new AppError('NOT_SIGNED_IN')
export const passwordHashInvalid = (): AppError => new AppError('PASSWORD_HASH_INVALID')
export const notFound = (detail?: string): AppError => new AppError('NOT_FOUND', detail)
export const methodNotAllowed = (detail?: string): AppError => new AppError('METHOD_NOT_ALLOWED', detail)
export const notAcceptable = (detail?: string): AppError => new AppError('NOT_ACCEPTABLE', detail)
export const noPendingSignIn = (): AppError => new AppError('NO_PENDING_SIGN_IN')
export const phoneCodeExpired = (): AppError => new AppError('PHONE_CODE_EXPIRED')
export const phoneNumberUnoccupied = (): AppError => new AppError('PHONE_NUMBER_UNOCCUPIED')
export const emailSetupRequired = (): AppError => new AppError('EMAIL_SETUP_REQUIRED')
export const sendCodeUnavailable = (): AppError => new AppError('SEND_CODE_UNAVAILABLE')
export const crossOriginForbidden = (detail?: string): AppError => new AppError('CROSS_ORIGIN_FORBIDDEN', detail)
export const hostNotAllowed = (detail?: string): AppError => new AppError('HOST_NOT_ALLOWED', detail)
export const payloadTooLarge = (detail?: string): AppError => new AppError('PAYLOAD_TOO_LARGE', detail)
export const unsupportedMediaType = (detail?: string): AppError => new AppError('UNSUPPORTED_MEDIA_TYPE', detail)
export const internalError = (cause?: unknown): AppError => new AppError('INTERNAL_ERROR', undefined, { cause })
export const telegramError = (detail?: string, cause?: unknown): AppError =>
  new AppError('TELEGRAM_ERROR', detail, { cause })
export const telegramUnavailable = (cause?: unknown): AppError =>
  new AppError('TELEGRAM_UNAVAILABLE', undefined, { cause })
export const sessionStoreUnavailable = (cause?: unknown): AppError =>
  new AppError('SESSION_STORE_UNAVAILABLE', undefined, { cause })

/** The named channels (usernames or ids, as the client wrote them) are not among the account's. */
export function channelNotJoined(names: readonly string[]): AppError {
  const list = names.map((name) => `"${name}"`).join(', ')
  const subject = names.length === 1 ? `this channel: ${list}` : `these channels: ${list}`
  return new AppError('CHANNEL_NOT_JOINED', `The account is not in ${subject}. POST /channels to join.`)
}

/** Telegram's FLOOD_WAIT_X: X seconds to wait, passed on as `Retry-After` (at least 1). */
export function floodWait(seconds: number): AppError {
  const wait = Math.max(1, Math.ceil(seconds))
  return new AppError('FLOOD_WAIT', `Telegram asks to wait ${wait} seconds before retrying.`, { retryAfter: wait })
}

/** The members of an RFC 9457 problem details object (§3.1) plus our `code` extension member (§3.2). */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
}

/** Fastify's own client errors (body too large, bad content type, schema validation) carry a 4xx `statusCode`. */
const CODE_BY_CLIENT_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
}

/** The one seam where any thrown value becomes a problem document; unknown errors reveal nothing. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (err instanceof Error) {
    const status = (err as { statusCode?: unknown }).statusCode
    const code = typeof status === 'number' ? CODE_BY_CLIENT_STATUS[status] : undefined
    if (code !== undefined) return new AppError(code, err.message, { cause: err })
  }
  return internalError(err)
}

/**
 * RFC 9457 §4.2.1: with `type` "about:blank" the title is the HTTP status phrase; the
 * distinguishing information is in `code` and `detail`.
 */
export function toProblem(err: unknown): Problem {
  const appError = toAppError(err)
  return {
    type: 'about:blank',
    title: STATUS_CODES[appError.status] ?? 'Error',
    status: appError.status,
    detail: appError.detail,
    code: appError.code,
  }
}
