/**
 * A TCP proxy on 127.0.0.1 in front of a server (an S3 server, for the session store), whose
 * faults a test switches at any moment:
 *
 * - `pass`: bytes go through both ways;
 * - `hang`: connections are accepted (new ones too) and nothing is answered, ever: what the
 *   client sends is swallowed, what the server answers is dropped;
 * - `slow`: every chunk, both ways, is delivered `delayMs` late, in order (delivered even when
 *   the client has given up meanwhile, as a slow network delivers what was sent);
 * - `refuse`: the port is closed (connections are refused) and open connections are reset.
 *
 * `close()` ends everything.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

export type Fault = { kind: 'pass' } | { kind: 'hang' } | { kind: 'slow', delayMs: number } | { kind: 'refuse' }

export interface FaultProxy {
  readonly port: number
  /** http://127.0.0.1:<port> */
  readonly endpoint: string
  set(fault: Fault): Promise<void>
  close(): Promise<void>
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  let fault: Fault = { kind: 'pass' }
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }

  /** Forwards `from`'s bytes to `to` as the fault of the moment says. */
  const relay = (from: Socket, to: Socket): void => {
    let slowChain = Promise.resolve()
    from.on('data', (chunk: Buffer) => {
      if (fault.kind === 'hang') return
      if (fault.kind === 'slow') {
        const { delayMs } = fault
        slowChain = slowChain.then(() => new Promise((resolve) => setTimeout(resolve, delayMs))).then(() => {
          if (!to.destroyed) to.write(chunk)
        })
        return
      }
      if (!to.destroyed) to.write(chunk)
    })
    from.once('end', () => {
      if (fault.kind === 'hang') return
      void slowChain.then(() => to.end())
    })
  }

  const server: Server = createServer((client) => {
    track(client)
    if (fault.kind === 'refuse') {
      client.resetAndDestroy()
      return
    }
    const upstream = connect(upstreamPort, '127.0.0.1')
    track(upstream)
    relay(client, upstream)
    relay(upstream, client)
    upstream.once('close', () => {
      if (fault.kind !== 'hang' && fault.kind !== 'slow') client.destroy()
    })
    client.once('close', () => {
      if (fault.kind !== 'slow') upstream.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  let listening = true

  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    async set(next) {
      fault = next
      if (next.kind === 'refuse') {
        for (const socket of sockets) socket.resetAndDestroy()
        if (listening) {
          listening = false
          await new Promise<void>((resolve) => server.close(() => resolve()))
        }
      } else if (!listening) {
        listening = true
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject)
            resolve()
          })
        })
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
