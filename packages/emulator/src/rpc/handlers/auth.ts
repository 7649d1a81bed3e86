import type { TlObject } from '../../tl/tl-object.ts'
import { SignUpRequired, type LoginTokenAnswer } from '../../world/accounts.ts'
import type { CodeDelivery, SentCode } from '../../world/login-codes.ts'
import { selfUserObject } from '../../world/peer-objects.ts'
import type { AccountUser } from '../../world/viewer.ts'
import type { HandlerTable } from '../handler.ts'
import { RpcError } from '../rpc-error.ts'

/**
 * auth.* — sign-in by code (with home-DC migration and resends), two-step password, QR tokens,
 * authorization transfer between DCs, log out. All callable before sign-in but exportAuthorization
 * and logOut. The powers live in world/accounts.ts and its parts; these only translate.
 */
export const authHandlers: HandlerTable = {
  'auth.sendCode': {
    signedIn: false,
    run: (ctx, params) => {
      const sent = ctx.accounts.sendCode(String(params.phone_number ?? ''), ctx.call.authKeyId, ctx.dc.dcId)
      // auth.sentCodeTypeSetUpEmailRequired: the account must add a login e-mail before any code.
      if (sent.emailSetupRequired) return { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeSetUpEmailRequired' }, phone_code_hash: sent.phoneCodeHash }
      return sentCode(sent)
    },
  },
  'auth.resendCode': {
    signedIn: false,
    run: (ctx, params) =>
      sentCode(ctx.accounts.resendCode(String(params.phone_number ?? ''), String(params.phone_code_hash ?? ''), ctx.call.authKeyId, ctx.dc.dcId)),
  },
  'auth.signIn': {
    signedIn: false,
    run: (ctx, params) => {
      try {
        return authorization(
          ctx.accounts.signIn(
            String(params.phone_number ?? ''),
            String(params.phone_code_hash ?? ''),
            String(params.phone_code ?? ''),
            ctx.call.authKeyId,
            ctx.dc.dcId,
          ),
        )
      } catch (error) {
        // auth.authorizationSignUpRequired#44747e9a flags:# terms_of_service:flags.0?help.TermsOfService
        if (error instanceof SignUpRequired) return { _: 'auth.authorizationSignUpRequired' }
        throw error
      }
    },
  },
  'auth.checkPassword': {
    signedIn: false,
    run: (ctx, params) => {
      const password = params.password as TlObject | undefined
      if (!password || password._ !== 'inputCheckPasswordSRP') throw new RpcError(400, 'PASSWORD_HASH_INVALID')
      return authorization(
        ctx.accounts.checkPassword(
          ctx.call.authKeyId,
          BigInt(password.srp_id as bigint),
          password.A as Buffer,
          password.M1 as Buffer,
        ),
      )
    },
  },
  'auth.logOut': {
    signedIn: true,
    run: (ctx) => {
      ctx.accounts.logOut(ctx.call.authKeyId)
      return { _: 'auth.loggedOut' }
    },
  },
  // auth.exportAuthorization#e5bfffcd dc_id:int = auth.ExportedAuthorization
  'auth.exportAuthorization': {
    signedIn: true,
    run: (ctx, params) => {
      const exported = ctx.accounts.exportAuthorization(ctx.call.authKeyId, ctx.dc.dcId, Number(params.dc_id))
      return { _: 'auth.exportedAuthorization', id: exported.id, bytes: exported.bytes }
    },
  },
  // auth.importAuthorization#a57a7dad id:long bytes:bytes = auth.Authorization
  'auth.importAuthorization': {
    signedIn: false,
    run: (ctx, params) =>
      authorization(ctx.accounts.importAuthorization(BigInt(params.id as bigint), params.bytes as Buffer, ctx.call.authKeyId, ctx.dc.dcId)),
  },
  'auth.exportLoginToken': {
    signedIn: false,
    run: (ctx) => loginToken(ctx.accounts.exportLoginToken(ctx.call.authKeyId, ctx.dc.dcId)),
  },
  'auth.importLoginToken': {
    signedIn: false,
    run: (ctx, params) => loginToken(ctx.accounts.importLoginToken(params.token as Buffer, ctx.call.authKeyId, ctx.dc.dcId)),
  },
}

export function authorization(user: AccountUser): TlObject {
  return { _: 'auth.authorization', user: selfUserObject(user) }
}

const SENT_CODE_TYPE: Record<CodeDelivery, string> = { app: 'auth.sentCodeTypeApp', sms: 'auth.sentCodeTypeSms', call: 'auth.sentCodeTypeCall' }
const CODE_TYPE: Record<CodeDelivery, string> = { app: 'auth.codeTypeSms', sms: 'auth.codeTypeSms', call: 'auth.codeTypeCall' }

// auth.sentCode#5e002502 flags:# type:auth.SentCodeType phone_code_hash:string next_type:flags.1?auth.CodeType timeout:flags.2?int
function sentCode(sent: SentCode): TlObject {
  return {
    _: 'auth.sentCode',
    type: { _: SENT_CODE_TYPE[sent.delivery], length: sent.codeLength },
    phone_code_hash: sent.phoneCodeHash,
    next_type: sent.nextDelivery === undefined ? undefined : { _: CODE_TYPE[sent.nextDelivery] },
    timeout: sent.nextDelivery === undefined ? undefined : 60,
  }
}

// auth.loginToken#629f1980 expires:int token:bytes; auth.loginTokenMigrateTo#068e9916 dc_id:int token:bytes;
// auth.loginTokenSuccess#390d5c5e authorization:auth.Authorization
function loginToken(answer: LoginTokenAnswer): TlObject {
  if ('user' in answer) return { _: 'auth.loginTokenSuccess', authorization: authorization(answer.user) }
  if ('migrateTo' in answer) return { _: 'auth.loginTokenMigrateTo', dc_id: answer.migrateTo, token: answer.token }
  return { _: 'auth.loginToken', expires: answer.expires, token: answer.token }
}
