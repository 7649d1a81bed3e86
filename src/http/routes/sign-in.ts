import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { signInQrSchema, signInSchema } from '../schemas/sign-in.ts'
import type { Connector } from '../../telegram/connector.ts'

/** The image Accept names, when it does not name JSON (RFC 9110 §12.5.1, without weighing q-values). */
function wantedImage(accept: string | undefined): 'image/svg+xml' | 'image/png' | null {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase())
  if (types.includes('application/json')) return null
  return types.includes('image/svg+xml') ? 'image/svg+xml' : types.includes('image/png') ? 'image/png' : null
}

export function signInRoute(connector: Connector): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().post('/sign_in', { schema: signInSchema }, async (request, reply) => {
      const { phone, password, code, two_factor_password, resend } = request.body
      const outcome = await connector.signIn({ phone, code: code ?? password, twoFactorPassword: two_factor_password, resend })
      // The Python service answered a completed sign-in with an empty 200.
      if (outcome.done) return (reply as FastifyReply).code(200).send()
      if (outcome.next === 'two_factor_password') return reply.code(206).send({ next: outcome.next, hint: outcome.hint, timeout: null })
      return reply.code(206).send({ next: outcome.next, hint: null, timeout: outcome.timeout, delivery: outcome.delivery })
    })

    app.post('/sign_in/qr', { schema: signInQrSchema }, async (request, reply) => {
      const outcome = await connector.signInQr()
      if (outcome.done) return (reply as FastifyReply).code(200).send()
      if (outcome.next === 'two_factor_password') return reply.code(206).send({ next: outcome.next, hint: outcome.hint })
      // Loaded at the first QR sign-in, not at start-up: most starts never draw one.
      const { default: QRCode } = await import('qrcode')
      // The image itself for a client that asks for it (/docs asks for the PNG, and draws it).
      const image = wantedImage(request.headers.accept)
      if (image === 'image/png') return reply.code(206).type(image).send(await QRCode.toBuffer(outcome.url, { type: 'png', margin: 2, scale: 6 }))
      const svg = await QRCode.toString(outcome.url, { type: 'svg', margin: 2 })
      if (image === 'image/svg+xml') return reply.code(206).type(image).send(svg)
      return reply.code(206).send({ next: outcome.next, url: outcome.url, expires: new Date(outcome.expires * 1000).toISOString(), qr_svg: svg })
    })
  }
}
