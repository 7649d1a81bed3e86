/**
 * One HTTP request with exactly the headers given (node:http, which, unlike fetch, lets a test
 * send any Host, Origin or Sec-Fetch-Site), answered as status, headers and body text.
 */
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export function rawRequest(url: string, init: { method?: string, headers?: OutgoingHttpHeaders, body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}
