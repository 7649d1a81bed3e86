/**
 * Limits on clients that send slowly (a request trickled a byte at a time holds a connection,
 * its buffers and a parser for as long as it lasts): applied to the HTTP server by src/main.ts.
 *
 * - The request line and headers must arrive within `headersTimeoutMs`, the whole request (its
 *   body included) within `requestTimeoutMs`; past either, Node answers 408 and closes
 *   (src/http/problem-handler.ts writes the answer). Node checks every
 *   `connectionsCheckingInterval`, 30 s by default: a tenth of the headers' limit here, so a
 *   connection is cut close to its limit. A request counts as received once its body has
 *   arrived, so answers that last (the SSE stream of GET /messages/live, a long GET /messages)
 *   are not limited by these.
 * - A request answered before its body has all arrived (a 401 for a missing token, a 413) is not
 *   waited for: once the answer is out, the connection is ended, and destroyed `lingerMs` later
 *   if the client is still sending.
 */
import type { Server } from 'node:http'

export interface SlowClientLimits {
  headersTimeoutMs: number
  requestTimeoutMs: number
  /** How long a connection answered early may go on sending before it is destroyed. */
  lingerMs: number
}

export const DEFAULT_LINGER_MS = 1000

export function limitSlowClients(server: Server, limits: SlowClientLimits): void {
  server.headersTimeout = limits.headersTimeoutMs
  server.requestTimeout = limits.requestTimeoutMs
  // A property of every http.Server (its constructor's option), read when it starts listening.
  ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(100, Math.floor(limits.headersTimeoutMs / 10))
  server.on('request', (request, response) => {
    response.once('finish', () => {
      if (request.complete) return
      const { socket } = request
      socket.end()
      setTimeout(() => socket.destroy(), limits.lingerMs).unref()
    })
  })
}
