/**
 * An HTTP proxy in front of s3rver that enforces the conditional headers of PutObject and
 * DeleteObject — If-None-Match: * and If-Match: <ETag> (RFC 9110 §13.1.1–2) — which s3rver
 * ignores, the way AWS S3 and MinIO do: 412 PreconditionFailed when the condition does not
 * hold, 404 NoSuchKey for If-Match on a missing key. It serves one request at a time, so a
 * check and the write it guards are atomic, as on a real server. Requests are forwarded with
 * their headers unchanged, so their signatures stay valid.
 */
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ConditionalProxy {
  endpoint: string
  close(): Promise<void>
}

export async function startConditionalProxy(upstream: string): Promise<ConditionalProxy> {
  const target = new URL(upstream)
  let queue: Promise<void> = Promise.resolve()
  const server = createServer((request, response) => {
    queue = queue.then(() => handle(target, request, response)).catch(() => {
      response.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((err) => (err ? reject(err) : resolve()))
    }),
  }
}

async function handle(target: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  const ifNoneMatch = request.headers['if-none-match']
  const ifMatch = request.headers['if-match']
  if ((request.method === 'PUT' || request.method === 'DELETE') && (ifNoneMatch !== undefined || ifMatch !== undefined)) {
    const path = (request.url ?? '/').split('?')[0]!
    const head = await fetch(new URL(path, target), { method: 'HEAD' })
    const etag = head.status === 200 ? head.headers.get('etag') : null
    if (ifMatch !== undefined && ifMatch !== '*' && etag === null) return refuse(response, 404, 'NoSuchKey', 'The specified key does not exist.')
    const holds = (ifNoneMatch === undefined || (ifNoneMatch === '*' ? etag === null : ifNoneMatch !== etag))
      && (ifMatch === undefined || (ifMatch === '*' ? etag !== null : ifMatch === etag))
    if (!holds) return refuse(response, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold')
  }
  await new Promise<void>((resolve, reject) => {
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
