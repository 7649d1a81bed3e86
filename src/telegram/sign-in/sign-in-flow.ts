/**
 * The sign-in conversation of docs/spec.md §3 over an mtcute client, one request at a time:
 *
 *   {phone}                       auth.sendCode → pending sign-in stored → next: code
 *   {phone, resend: true}         auth.resendCode for the pending code (SMS, then a call)
 *   {phone, code}                 auth.signIn with the stored phone_code_hash → signed in, or
 *                                 SESSION_PASSWORD_NEEDED → pending step two_factor_password
 *   {phone, two_factor_password}  account.getPassword + auth.checkPassword (SRP, /api/srp)
 *   {phone, code, two_factor_password}  both steps in one request
 *
 * The pending sign-in (phone, phone_code_hash, and the session of the auth key that asked for
 * the code) is committed to the store before answering, so a restart between the steps keeps
 * it: the gateway then rebuilds the client from `pendingSignIn.session`, the same auth key, as
 * Telegram checks the code against the key that requested it (else PHONE_CODE_EXPIRED).
 * When the account lives on another DC, auth.sendCode meets PHONE_MIGRATE_X and mtcute moves
 * its primary DC there (a new auth key) before sending it again, so the session exported after
 * it names DC X and that key: a restart comes back to the same DC and key.
 * A completed sign-in is committed (`session` set, `pendingSignIn` cleared) before answering.
 * A QR sign-in's password step (qr-sign-in.ts) is completed here with {two_factor_password}.
 */
import type { ITelegramClient, tl } from '@mtcute/core'
import { AppError, badRequest, emailSetupRequired, noPendingSignIn, phoneNumberInvalid, phoneNumberUnoccupied, telegramError } from '../../core/errors.ts'
import type { CodeDelivery, SignInInput, SignInOutcome } from '../connector.ts'
import type { PendingCodeSignIn, PendingSignIn, SessionRecord } from '../../sessions/session-record.ts'
import { gatedCall, type GatedCallOptions } from '../calls/call-with-flood-wait.ts'
import { isPasswordNeeded, toAppError } from '../calls/rpc-errors.ts'

/** `GatedCallOptions`: every call goes through the account's flood gate, and a sign-in sits through no wait. */
export interface SignInContext extends GatedCallOptions {
  client: Pick<ITelegramClient, 'call' | 'exportSession' | 'notifyLoggedIn' | 'computeSrpParams' | 'changePrimaryDc'>
  apiId: number
  apiHash: string
  /** The record as it stands (the gateway's copy). */
  record(): SessionRecord
  /** Replaces the record in memory and writes it to the store; throws when the store fails. */
  commit(record: SessionRecord): Promise<void>
  now(): Date
}

/** Runs one step of the conversation for `input` and says what the client should send next. */
export async function runSignIn(ctx: SignInContext, input: SignInInput): Promise<SignInOutcome> {
  // The Python service tested the fields for truthiness: an empty code is no code.
  const code = nonEmpty(input.code)
  const password = nonEmpty(input.twoFactorPassword)
  const pending = ctx.record().pendingSignIn

  // A QR sign-in that met two-step verification needs only the password (and no phone).
  if (pending?.method === 'qr' && pending.step === 'two_factor_password' && password !== undefined && code === undefined && !input.resend) {
    return submitPassword(ctx, password)
  }
  if (input.phone === undefined) throw badRequest('body must have required property \'phone\'')
  if (ctx.record().session !== null) return { done: true }
  const phone = normalizePhone(input.phone)

  if (code === undefined && password === undefined) {
    return input.resend && isPendingCodeFor(pending, phone) ? resendCode(ctx, pending) : requestCode(ctx, phone)
  }
  if (!isPendingCodeFor(pending, phone)) throw noPendingSignIn()

  let current = pending
  if (current.step === 'code') {
    if (code === undefined) {
      throw new AppError('NO_PENDING_SIGN_IN', 'The login code for this phone number has not been accepted yet: send {"phone", "password"} with the code first.')
    }
    const afterCode = await submitCode(ctx, current, code)
    if (afterCode.done) return afterCode.outcome
    current = afterCode.pending
    if (password === undefined) return passwordStep(current)
  }
  // The code was accepted earlier (step two_factor_password); a repeated code changes nothing.
  if (password === undefined) return passwordStep(current)
  return submitPassword(ctx, password)
}

/** auth.sendCode#a677244f phone_number:string api_id:int api_hash:string settings:CodeSettings = auth.SentCode */
async function requestCode(ctx: SignInContext, phone: string): Promise<SignInOutcome> {
  const sent = await call(ctx, {
    _: 'auth.sendCode',
    phoneNumber: phone,
    apiId: ctx.apiId,
    apiHash: ctx.apiHash,
    settings: { _: 'codeSettings' },
  })
  return codeSent(ctx, phone, sent)
}

/** auth.resendCode#cae47523 flags:# phone_number:string phone_code_hash:string reason:flags.0?string = auth.SentCode */
async function resendCode(ctx: SignInContext, pending: PendingCodeSignIn): Promise<SignInOutcome> {
  const sent = await call(ctx, { _: 'auth.resendCode', phoneNumber: pending.phone, phoneCodeHash: pending.phoneCodeHash })
  return codeSent(ctx, pending.phone, sent)
}

async function codeSent(ctx: SignInContext, phone: string, sent: tl.auth.TypeSentCode): Promise<SignInOutcome> {
  if (sent._ === 'auth.sentCodeSuccess') return completeSignIn(ctx, sent.authorization)
  if (sent._ === 'auth.sentCodePaymentRequired') {
    throw telegramError('Telegram requires a payment before it sends a login code to this number; sign in with an official app first.')
  }
  // auth.sentCodeTypeSetUpEmailRequired: no code until the account has a login e-mail.
  if (sent.type._ === 'auth.sentCodeTypeSetUpEmailRequired') throw emailSetupRequired()
  const pending: PendingSignIn = {
    phone,
    phoneCodeHash: sent.phoneCodeHash,
    session: await ctx.client.exportSession(),
    createdAt: ctx.now().toISOString(),
    step: 'code',
  }
  await ctx.commit({ version: 1, session: null, pendingSignIn: pending })
  return { done: false, next: 'code', timeout: sent.timeout ?? null, delivery: deliveryOf(sent.type) }
}

function deliveryOf(type: tl.auth.TypeSentCodeType): CodeDelivery {
  switch (type._) {
    case 'auth.sentCodeTypeApp':
      return 'app'
    case 'auth.sentCodeTypeSms':
      return 'sms'
    case 'auth.sentCodeTypeCall':
      return 'call'
    default:
      return 'other'
  }
}

function isPendingCodeFor(pending: PendingSignIn | null, phone: string): pending is PendingCodeSignIn {
  return pending !== null && pending.method !== 'qr' && normalizePhone(pending.phone) === phone
}

type CodeResult = { done: true; outcome: SignInOutcome } | { done: false; pending: PendingCodeSignIn }

/** auth.signIn#8d52a951 flags:# phone_number:string phone_code_hash:string phone_code:flags.0?string ... = auth.Authorization */
async function submitCode(ctx: SignInContext, pending: PendingCodeSignIn, code: string): Promise<CodeResult> {
  let authorization: tl.auth.TypeAuthorization
  try {
    authorization = await gatedCall(ctx.client, ctx, {
      _: 'auth.signIn',
      phoneNumber: pending.phone,
      phoneCodeHash: pending.phoneCodeHash,
      phoneCode: code,
    })
  } catch (err) {
    if (!isPasswordNeeded(err)) throw toAppError(err)
    const hint = await passwordHint(ctx)
    const next: PendingCodeSignIn = {
      ...pending,
      step: 'two_factor_password',
      ...(hint === undefined ? {} : { hint }),
    }
    await ctx.commit({ version: 1, session: null, pendingSignIn: next })
    return { done: false, pending: next }
  }
  return { done: true, outcome: await completeSignIn(ctx, authorization) }
}

/** auth.checkPassword#d18b4d16 password:InputCheckPasswordSRP = auth.Authorization */
export async function submitPassword(ctx: SignInContext, password: string): Promise<SignInOutcome> {
  // The SRP parameters (srp_B, srp_id) are fetched fresh: they are tied to this attempt.
  const state = await call(ctx, { _: 'account.getPassword' })
  const srp = await ctx.client.computeSrpParams(state, password)
  const authorization = await call(ctx, { _: 'auth.checkPassword', password: srp })
  return completeSignIn(ctx, authorization)
}

export async function completeSignIn(ctx: SignInContext, authorization: tl.auth.TypeAuthorization): Promise<{ done: true }> {
  if (authorization._ === 'auth.authorizationSignUpRequired') throw phoneNumberUnoccupied()
  await ctx.client.notifyLoggedIn(authorization)
  await ctx.commit({ version: 1, session: await ctx.client.exportSession(), pendingSignIn: null })
  return { done: true }
}

export function passwordStep(pending: PendingSignIn): { done: false; next: 'two_factor_password'; hint: string | null } {
  return { done: false, next: 'two_factor_password', hint: pending.hint ?? null }
}

/**
 * account.password.hint, the reminder the owner chose; absent when none was set — or when it
 * cannot be had now (a flood wait, an outage): Telegram has taken the code, and a detail looked
 * up after it never turns that into a failure.
 */
export async function passwordHint(ctx: SignInContext): Promise<string | undefined> {
  let state: tl.account.TypePassword
  try {
    state = await call(ctx, { _: 'account.getPassword' })
  } catch {
    return undefined
  }
  return state.hint === undefined || state.hint === '' ? undefined : state.hint
}

export async function call<T extends tl.RpcMethod>(ctx: SignInContext, request: T): Promise<tl.RpcCallReturn[T['_']]> {
  try {
    return await gatedCall(ctx.client, ctx, request)
  } catch (err) {
    throw toAppError(err)
  }
}

/**
 * Telegram wants the number as digits only (international format without "+"); people write
 * "+1 (234) 567-89-00". Anything else is rejected here rather than sent.
 */
export function normalizePhone(phone: string): string {
  const digits = phone.trim().replace(/[\s()+.-]/g, '')
  if (!/^\d{4,20}$/.test(digits)) throw phoneNumberInvalid()
  return digits
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
