/**
 * An HTTP proxy in front of an S3 server that enforces conditional writes (moto), adding the
 * one answer such a server never gives on loopback: AWS S3's 409 ConditionalRequestConflict,
 * sent when a conditional write (PutObject or DeleteObject with If-None-Match / If-Match)
 * arrives while another conditional write to the same key is still in progress. Requests are
 * forwarded concurrently, with their headers unchanged so their signatures stay valid; the
 * server behind decides every 412 and 404.
 *
 * `holdNextConditionalWrite()` keeps the next such write at the proxy until released, so that a
 * test can make two writes overlap for certain rather than by luck.
 */
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HeldWrite {
  /** Resolves when the held write has reached the proxy. */
  arrived: Promise<void>
  /** Lets it go on to the server. */
  release(): void
}

export interface ConditionalProxy {
  endpoint: string
  /** Conditional writes answered 409 so far. */
  readonly conflicts: number
  holdNextConditionalWrite(): HeldWrite
  close(): Promise<void>
}

export async function startConditionalProxy(upstream: string): Promise<ConditionalProxy> {
  const target = new URL(upstream)
  const inProgress = new Set<string>()
  const holds: Array<{ arrive(): void, released: Promise<void> }> = []
  let conflicts = 0

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const conditional = (request.method === 'PUT' || request.method === 'DELETE')
      && (request.headers['if-none-match'] !== undefined || request.headers['if-match'] !== undefined)
    if (!conditional) return forward(target, request, body, response)
    const key = (request.url ?? '/').split('?')[0]!
    if (inProgress.has(key)) {
      conflicts++
      return refuse(response, 409, 'ConditionalRequestConflict', 'A conflicting conditional operation is currently in progress against this resource. Please try again.')
    }
    inProgress.add(key)
    try {
      const hold = holds.shift()
      if (hold !== undefined) {
        hold.arrive()
        await hold.released
      }
      await forward(target, request, body, response)
    } finally {
      inProgress.delete(key)
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get conflicts() {
      return conflicts
    },
    holdNextConditionalWrite() {
      let arrive!: () => void
      let release!: () => void
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve
      })
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      holds.push({ arrive, released })
      return { arrived, release }
    },
    close: () => new Promise<void>((resolve, reject) => {
      for (const hold of holds.splice(0)) hold.arrive()
      server.closeAllConnections()
      server.close((err) => (err ? reject(err) : resolve()))
    }),
  }
}

function forward(target: URL, request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const forwarded = httpRequest({
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
      answer.on('end', resolve)
      answer.on('error', reject)
    })
    forwarded.on('error', reject)
    forwarded.end(body)
  })
}

function refuse(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/xml' })
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`)
}
