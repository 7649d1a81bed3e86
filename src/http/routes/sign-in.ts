import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { signInSchema } from '../schemas/sign-in.ts'
import type { Connector } from '../../connector.ts'

export function signInRoute(connector: Connector): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().post('/sign_in', { schema: signInSchema }, async (request, reply) => {
      const { phone, password, code, two_factor_password } = request.body
      const outcome = await connector.signIn({ phone, code: code ?? password, twoFactorPassword: two_factor_password })
      // The Python service answered a completed sign-in with an empty 200.
      if (outcome.done) return (reply as FastifyReply).code(200).send()
      return reply.code(206).send({ next: outcome.next, hint: outcome.hint ?? null, timeout: outcome.timeout ?? null })
    })
  }
}
