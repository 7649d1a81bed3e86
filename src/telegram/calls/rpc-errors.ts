/**
 * The one place where errors coming out of mtcute — Telegram's `rpc_error`s and mtcute's own
 * failures — are read and turned into the service's `AppError`s (src/core/errors.ts). Everything
 * else in src/telegram asks the questions below instead of matching error texts itself.
 *
 * Telegram's error texts are documented at https://core.telegram.org/api/errors; mtcute turns
 * `rpc_error#2144ca19 error_code:int error_message:string` into `tl.RpcError` (code, text) and
 * rewrites parameterised texts such as `FLOOD_WAIT_30` into `FLOOD_WAIT_%d` with `seconds: 30`.
 */
import { MtTimeoutError, MtcuteError, tl } from '@mtcute/core'
import {
  AppError,
  type ErrorCode,
  floodWait,
  isAppError,
  noPendingSignIn,
  notSignedIn,
  passwordHashInvalid,
  phoneCodeExpired,
  phoneCodeInvalid,
  phoneNumberInvalid,
  sendCodeUnavailable,
  telegramError,
  telegramUnavailable,
} from '../../core/errors.ts'
import type { ChannelSkipReason } from '../../metrics/service-metrics.ts'

/** Texts meaning the auth key is not (or no longer) bound to an account: sign in again. */
const SIGNED_OUT_TEXTS = new Set([
  'AUTH_KEY_UNREGISTERED',
  'AUTH_KEY_INVALID',
  'AUTH_KEY_PERM_EMPTY',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
])

/** Texts carrying "wait N seconds", all of which mtcute parses into `seconds`. */
const WAIT_TEXTS = new Set(['FLOOD_WAIT_%d', 'FLOOD_TEST_PHONE_WAIT_%d', 'SLOWMODE_WAIT_%d'])

/**
 * Texts with which Telegram refuses one channel it listed (core.telegram.org/method/messages.getHistory):
 * the account was banned from it or it went private (CHANNEL_PRIVATE), or the channel or its
 * access_hash is no longer valid (CHANNEL_INVALID). Only that channel is lost, not the read.
 */
const CHANNEL_REFUSAL_TEXTS = new Map<string, ChannelSkipReason>([
  ['CHANNEL_PRIVATE', 'channel_private'],
  ['CHANNEL_INVALID', 'channel_invalid'],
])

/**
 * Telegram's refusals of a username lookup or a join (core.telegram.org/method/
 * contacts.resolveUsername, channels.joinChannel, messages.importChatInvite): texts no other
 * call answers.
 */
const CHANNEL_ERRORS: Readonly<Record<string, ErrorCode>> = {
  USERNAME_NOT_OCCUPIED: 'CHANNEL_NOT_FOUND',
  USERNAME_INVALID: 'CHANNEL_NOT_FOUND',
  INVITE_HASH_EMPTY: 'INVITE_INVALID',
  INVITE_HASH_INVALID: 'INVITE_INVALID',
  INVITE_HASH_EXPIRED: 'INVITE_EXPIRED',
  INVITE_REQUEST_SENT: 'INVITE_REQUEST_SENT',
  CHANNELS_TOO_MUCH: 'CHANNELS_TOO_MUCH',
}

/**
 * Refusals that mean what the client asked for only when it joins or leaves a channel; from a
 * history read they stay Telegram errors.
 */
const MEMBERSHIP_ERRORS: Readonly<Record<string, ErrorCode>> = {
  CHANNEL_PRIVATE: 'CHANNEL_PRIVATE',
  USER_NOT_PARTICIPANT: 'CHANNEL_NOT_JOINED',
}

/** Telegram's texts for a phone number it will not send a code to. */
const PHONE_INVALID_TEXTS = new Set(['PHONE_NUMBER_INVALID', 'PHONE_NUMBER_BANNED', 'PHONE_NUMBER_FLOOD'])

export function isRpcError(err: unknown): err is tl.RpcError {
  return err instanceof tl.RpcError
}

/** The error text Telegram sent (`FLOOD_WAIT_%d` for every flood wait), or null for non-RPC errors. */
export function rpcErrorText(err: unknown): string | null {
  return isRpcError(err) ? err.text : null
}

/** Seconds Telegram asks to wait before retrying, or null when `err` is not a wait. */
export function floodWaitSeconds(err: unknown): number | null {
  if (!isRpcError(err) || !WAIT_TEXTS.has(err.text)) return null
  const seconds = (err as { seconds?: unknown }).seconds
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : null
}

/** auth.signIn answered SESSION_PASSWORD_NEEDED: the account has two-step verification (docs/spec.md §3). */
export function isPasswordNeeded(err: unknown): boolean {
  return rpcErrorText(err) === 'SESSION_PASSWORD_NEEDED'
}

/** The auth key is not signed in to any account (any more). */
export function isSignedOut(err: unknown): boolean {
  const text = rpcErrorText(err)
  return text !== null && SIGNED_OUT_TEXTS.has(text)
}

/**
 * Why Telegram refused to let one channel be read, or null when `err` is no such refusal. Reads
 * through an `AppError` to the Telegram error it replaced.
 */
export function channelRefusal(err: unknown): ChannelSkipReason | null {
  const source = isAppError(err) ? err.cause : err
  const text = rpcErrorText(source)
  return text === null ? null : CHANNEL_REFUSAL_TEXTS.get(text) ?? null
}

/** The call's failure (as callWithFloodWait passes it on) was Telegram's text `text`. */
export function failedWith(err: unknown, text: string): boolean {
  return rpcErrorText(isAppError(err) ? err.cause : err) === text
}

/**
 * A failure of channels.joinChannel / leaveChannel / importChatInvite, read as a join or leave
 * reads it (`detail` names what the client asked for); other failures pass as they are.
 */
export function toMembershipError(err: unknown, detail: string): unknown {
  const text = rpcErrorText(isAppError(err) ? err.cause : err)
  const code = text === null ? undefined : MEMBERSHIP_ERRORS[text]
  return code === undefined ? err : new AppError(code, detail, { cause: isAppError(err) ? err.cause : err })
}

/**
 * Maps any failure of a Telegram call to an `AppError`. The original error rides along as
 * `cause` for the log; the `detail` names at most the Telegram error text, never request data.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err
  if (isRpcError(err)) return fromRpcError(err)
  if (err instanceof MtTimeoutError || isDeadlineExpired(err)) return telegramUnavailable(err)
  if (isConnectionFailure(err)) return telegramUnavailable(err)
  if (err instanceof MtcuteError) return telegramError(undefined, err)
  return telegramError(undefined, err)
}

function fromRpcError(err: tl.RpcError): AppError {
  const seconds = floodWaitSeconds(err)
  if (seconds !== null) return withCause(floodWait(seconds), err)
  const text = err.text
  if (PHONE_INVALID_TEXTS.has(text)) return withCause(phoneNumberInvalid(), err)
  switch (text) {
    case 'PHONE_CODE_INVALID':
    case 'PHONE_CODE_EMPTY':
      return withCause(phoneCodeInvalid(), err)
    case 'PHONE_CODE_EXPIRED':
      return withCause(phoneCodeExpired(), err)
    case 'PHONE_CODE_HASH_EMPTY':
      // The hash is ours to keep; its absence means no step 1 happened on this key.
      return withCause(noPendingSignIn(), err)
    case 'PASSWORD_HASH_INVALID':
      return withCause(passwordHashInvalid(), err)
    case 'SEND_CODE_UNAVAILABLE':
      // auth.resendCode past the last way Telegram has of sending the code.
      return withCause(sendCodeUnavailable(), err)
    case 'TIMEOUT':
      // mtcute's own answer when a call's timeout passes with no reply (session-connection.js).
      return telegramUnavailable(err)
  }
  const channelError = CHANNEL_ERRORS[text]
  if (channelError !== undefined) return withCause(new AppError(channelError), err)
  if (SIGNED_OUT_TEXTS.has(text)) return withCause(notSignedIn(), err)
  // -503 is Telegram's "timeout" and 5xx its internal failures: the far side is not serving.
  if (err.code === -503 || err.code >= 500) return telegramUnavailable(err)
  return telegramError(`Telegram answered ${err.code} ${text}.`, err)
}

/** A call's deadline passed (call-timeout.ts: AbortSignal.timeout rejects with a TimeoutError). */
function isDeadlineExpired(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'TimeoutError'
}

/** Sockets refused, reset or unreachable, as Node reports them. */
function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)
  )
}

function withCause(error: AppError, cause: unknown): AppError {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true })
  return error
}
