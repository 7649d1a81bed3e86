/**
 * Real headless Chromium (Debian's, driven by playwright-core), and pages served from another
 * loopback port: another origin, as a site the user visits would be.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'

export async function launchBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', ...args] })
}

export interface PageServer {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** Serves `pages` (path → HTML) on 127.0.0.1, a port of its own; anything else is 404. */
export async function servePages(pages: Record<string, string>): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const page = pages[(request.url ?? '/').split('?')[0]!]
    if (page === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
