/**
 * A webhook receiver on 127.0.0.1 for tests: a node:http server that records every request
 * (raw body, headers, the clock's time) and answers as `respond` decides — a status with
 * headers, after an optional delay, or never (a hang, for timeouts). `stop` makes it go away
 * (connections refused) and `start` brings it back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface WebhookRequest {
  readonly index: number
  readonly body: string
  readonly headers: IncomingMessage['headers']
  /** The parsed body. */
  readonly delivery: { event: string, id: string, data: unknown }
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  delayMs?: number
}

export type Responder = (request: WebhookRequest) => Answer | 'hang'

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hook */
  readonly url: string
  /** Every request received, in order. */
  readonly requests: WebhookRequest[]
  /** The requests answered 2xx: the deliveries acknowledged. */
  acknowledged(): WebhookRequest[]
  respond: Responder
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

export async function startWebhookReceiver(respond: Responder = () => ({ status: 204 })): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = []
  const acknowledged = new Set<WebhookRequest>()
  const hanging = new Set<ServerResponse>()
  let server: Server | null = null
  let port = 0

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const received: WebhookRequest = { index: requests.length, body, headers: request.headers, delivery: JSON.parse(body) as WebhookRequest['delivery'] }
      requests.push(received)
      const answer = receiver.respond(received)
      if (answer === 'hang') {
        hanging.add(response)
        return
      }
      const send = (): void => {
        if (answer.status >= 200 && answer.status < 300) acknowledged.add(received)
        response.writeHead(answer.status, answer.headers).end()
      }
      if (answer.delayMs) setTimeout(send, answer.delayMs)
      else send()
    })
  }

  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${port}/hook`
    },
    requests,
    acknowledged: () => requests.filter((request) => acknowledged.has(request)),
    respond,
    async start() {
      const started = createServer(handle)
      await new Promise<void>((resolve, reject) => {
        started.once('error', reject)
        started.listen(port, '127.0.0.1', () => resolve())
      })
      port = (started.address() as AddressInfo).port
      server = started
    },
    async stop() {
      const running = server
      server = null
      if (running === null) return
      for (const response of hanging) response.destroy()
      hanging.clear()
      await new Promise<void>((resolve) => {
        running.close(() => resolve())
        running.closeAllConnections()
      })
    },
    close: () => receiver.stop(),
  }
  await receiver.start()
  return receiver
}
