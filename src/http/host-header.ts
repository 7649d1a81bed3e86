/**
 * The Host header, checked before anything else.
 *
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
 * request message that lacks a Host header field". Node does so itself, with an empty body,
 * unless the server is created with `requireHostHeader: false` (src/app.ts does); this hook
 * then answers in the problem format like every other refusal.
 *
 * DNS rebinding: a page at http://attacker.example:5000 whose name is made to resolve to
 * 127.0.0.1 reaches a loopback service as the same origin, and its requests carry
 * `Host: attacker.example:5000`. So a Host must be an IP literal (a page cannot rebind a name it
 * does not use), `localhost` or a `.localhost` name (RFC 6761 §6.3: always loopback, never
 * resolved by DNS), or a name the service was configured with (ALLOWED_HOSTS, and HOST when it
 * is a name). Anything else is 421 (RFC 9110 §15.5.20: the request was directed at a server
 * that will not answer for that authority). `/health` is answered whatever the Host, for the
 * orchestrators that probe it by a service name: it holds no account data.
 */
import { isIP } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { badRequest, hostNotAllowed } from '../core/errors.ts'

/** The name of a Host header value, lower case, without port, brackets or trailing dot. */
export function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host)
  const name = bracketed ? bracketed[1]! : host.replace(/:\d*$/, '')
  return name.toLowerCase().replace(/\.$/, '')
}

/** Whether a request naming `host` is answered: see the file's comment. */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.includes('*')) return true
  const name = hostName(host)
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || allowedHosts.includes(name)
}

export function registerHostRequirement(app: FastifyInstance, allowedHosts: readonly string[]): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw
    const host = raw.headers.host
    if (host === undefined) {
      if (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1) throw badRequest('An HTTP/1.1 request must carry a Host header.')
      return
    }
    if (hostAllowed(host, allowedHosts) || request.url.split('?')[0] === '/health') return
    throw hostNotAllowed(`This service does not answer for the host ${JSON.stringify(hostName(host).slice(0, 100))}: reach it by its own address, or add the name to ALLOWED_HOSTS.`)
  })
}
