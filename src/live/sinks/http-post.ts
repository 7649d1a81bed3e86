/**
 * One HTTP(S) POST and its answer's status line, for the webhook sink: the I/O edge it goes
 * through. node:http with a keep-alive agent rather than fetch, because it is several times
 * cheaper per request, and a backlog after downtime is delivered one request after another.
 * The answer's body is read and dropped, so the connection can carry the next request.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

export interface PostAnswer {
  status: number
  headers: IncomingHttpHeaders
}

export class PostFailure extends Error {
  /** A short, secret-free reason: a socket error code (ECONNREFUSED), or `timeout`. */
  readonly reason: string

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`POST failed: ${reason}`, options)
    this.name = 'PostFailure'
    this.reason = reason
  }
}

export class HttpPoster {
  readonly #url: URL
  readonly #agent: HttpAgent

  constructor(url: string) {
    this.#url = new URL(url)
    this.#agent = this.#url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 })
  }

  /** Resolves with the answer's status; rejects with a PostFailure when there is none in time. */
  post(headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<PostAnswer> {
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest
    const payload = Buffer.from(body, 'utf8')
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (outcome: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        outcome()
      }
      const request = send(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...headers, 'content-length': String(payload.length) },
      }, (response) => {
        response.resume()
        response.once('end', () => finish(() => resolve({ status: response.statusCode ?? 0, headers: response.headers })))
        response.once('error', (err) => finish(() => reject(new PostFailure(codeOf(err), { cause: err }))))
      })
      const timer = setTimeout(() => {
        finish(() => reject(new PostFailure('timeout')))
        request.destroy()
      }, timeoutMs)
      const onAbort = (): void => {
        finish(() => reject(new PostFailure('stopped')))
        request.destroy()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      if (signal.aborted) onAbort()
      request.once('error', (err) => finish(() => reject(new PostFailure(codeOf(err), { cause: err }))))
      request.end(payload)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  return typeof code === 'string' ? code : 'request failed'
}
