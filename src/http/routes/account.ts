import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { meSchema, signOutSchema } from '../schemas/account.ts'
import type { Connector } from '../../telegram/connector.ts'

/** GET /me and POST /sign_out: the account behind the session. */
export function accountRoute(connector: Connector): FastifyPluginAsync {
  return async (app) => {
    app.get('/me', { schema: meSchema }, async () => {
      const me = await connector.me()
      const name = [me.firstName, me.lastName].filter((part) => part !== null && part !== '').join(' ')
      return { id: me.id, username: me.username, first_name: me.firstName, last_name: me.lastName, name }
    })
    app.post('/sign_out', { schema: signOutSchema }, async (_request, reply) => {
      await connector.signOut()
      return (reply as FastifyReply).code(200).send()
    })
  }
}
