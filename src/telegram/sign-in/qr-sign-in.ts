/**
 * QR login (core.telegram.org/api/qr-login) over an mtcute client, one poll at a time:
 *
 *   auth.exportLoginToken → auth.loginToken     show tg://login?token=<base64url> until `expires`
 *                         → auth.loginTokenSuccess              signed in
 *                         → auth.loginTokenMigrateTo(dc, token) the account lives on DC `dc`:
 *                             move the primary DC there, auth.importLoginToken(token) → success
 *   either call → 401 SESSION_PASSWORD_NEEDED   the account has two-step verification: the
 *                                               password completes it (sign-in-flow.ts)
 *
 * The client keeps updates off, so the updateLoginToken Telegram pushes on a scan is not seen;
 * exporting again on every poll is what notices it (EMULATOR.md, "mtcute and QR login"). The
 * same key gets the same token until it expires, then a fresh one. The waiting key is committed
 * as the pending sign-in, so a restart keeps waiting for the same token. Both calls go through
 * the account's flood gate like every sign-in step: a wait is a 429, and a poll during it is
 * refused without calling Telegram.
 */
import type { tl } from '@mtcute/core'
import type { QrSignInOutcome } from '../connector.ts'
import { telegramError } from '../../core/errors.ts'
import type { PendingQrSignIn } from '../../sessions/session-record.ts'
import { gatedCall } from '../calls/call-with-flood-wait.ts'
import { isPasswordNeeded, toAppError } from '../calls/rpc-errors.ts'
import { completeSignIn, passwordHint, passwordStep, type SignInContext } from './sign-in-flow.ts'

export async function runQrSignIn(ctx: SignInContext): Promise<QrSignInOutcome> {
  if (ctx.record().session !== null) return { done: true }
  const pending = ctx.record().pendingSignIn
  if (pending?.method === 'qr' && pending.step === 'two_factor_password') return passwordStep(pending)

  let answer: tl.auth.TypeLoginToken
  try {
    // auth.exportLoginToken#b7e085fe api_id:int api_hash:string except_ids:Vector<long> = auth.LoginToken
    answer = await gatedCall(ctx.client, ctx, { _: 'auth.exportLoginToken', apiId: ctx.apiId, apiHash: ctx.apiHash, exceptIds: [] })
    if (answer._ === 'auth.loginTokenMigrateTo') {
      await ctx.client.changePrimaryDc(answer.dcId)
      // auth.importLoginToken#95ac5ce4 token:bytes = auth.LoginToken
      answer = await gatedCall(ctx.client, ctx, { _: 'auth.importLoginToken', token: answer.token })
    }
  } catch (err) {
    if (!isPasswordNeeded(err)) throw toAppError(err)
    const hint = await passwordHint(ctx)
    const next: PendingQrSignIn = {
      method: 'qr',
      session: await ctx.client.exportSession(),
      createdAt: ctx.now().toISOString(),
      step: 'two_factor_password',
      ...(hint === undefined ? {} : { hint }),
    }
    await ctx.commit({ version: 1, session: null, pendingSignIn: next })
    return passwordStep(next)
  }
  if (answer._ === 'auth.loginTokenSuccess') return completeSignIn(ctx, answer.authorization)
  if (answer._ === 'auth.loginTokenMigrateTo') throw telegramError('Telegram asked to move the QR sign-in to another data centre twice.')

  const session = await ctx.client.exportSession()
  if (!(pending?.method === 'qr' && pending.step === 'scan' && pending.session === session)) {
    await ctx.commit({ version: 1, session: null, pendingSignIn: { method: 'qr', session, createdAt: ctx.now().toISOString(), step: 'scan' } })
  }
  return { done: false, next: 'scan', url: loginUrl(answer.token), expires: answer.expires }
}

/** What the QR code encodes: tg://login?token=<base64url of the token> (/api/qr-login). */
export function loginUrl(token: Uint8Array): string {
  return `tg://login?token=${Buffer.from(token).toString('base64url')}`
}
