/**
 * Slow clients are cut off (src/http/slow-clients.ts), in the compiled service with short
 * limits (HTTP_HEADERS_TIMEOUT=1, HTTP_REQUEST_TIMEOUT=2): headers trickled a byte at a time,
 * a body trickled a byte at a time, and a request answered 401 while its body still trickles.
 * Raw sockets send the bytes, so nothing in between buffers or retries. Answers that last — the
 * SSE stream of GET /messages/live — go on past both limits.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { freePort, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

const TOKEN = 'slow-clients-token'
const BYTE_EVERY_MS = 150
let directory: string
let run: ScriptRun
let port: number

before(async () => {
  await ensureCompiledBuild()
  directory = await mkdtemp(join(tmpdir(), 'tc-slow-clients-'))
  port = await freePort()
  run = runCompiled('main.js', [], {
    LOG_LEVEL: 'warn',
    PORT: String(port),
    SESSION_URL: `file:${join(directory, 'session')}`,
    API_TOKEN: TOKEN,
    HTTP_HEADERS_TIMEOUT: '1',
    HTTP_REQUEST_TIMEOUT: '2',
  })
  await runWaitListening()
})
after(async () => {
  await run?.stop()
  await rm(directory, { recursive: true, force: true })
})

async function runWaitListening(): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false)
    if (ok) return
    if (run.child.exitCode !== null) throw new Error(`the service exited: ${run.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Trickle {
  /** What the server sent. */
  received(): string
  /** Resolves with the ms from the first byte sent to the server's end of the connection. */
  closed: Promise<number>
  /** Resolves with the ms from the first byte to the first byte of an answer. */
  answered: Promise<number>
  stop(): void
}

/** Sends `head` at once, then `trickle` one byte every BYTE_EVERY_MS, until the server closes. */
function trickle(head: string, rest: string): Trickle {
  const socket = connect(port, '127.0.0.1')
  const started = performance.now()
  const chunks: Buffer[] = []
  let timer: NodeJS.Timeout | undefined
  let answer!: (ms: number) => void
  const answered = new Promise<number>((resolve) => {
    answer = resolve
  })
  socket.on('data', (chunk: Buffer) => {
    if (chunks.length === 0) answer(performance.now() - started)
    chunks.push(chunk)
  })
  socket.on('error', () => {})
  const closed = new Promise<number>((resolve) => {
    const done = (): void => {
      clearInterval(timer)
      resolve(performance.now() - started)
    }
    socket.once('end', done)
    socket.once('close', done)
  })
  socket.once('connect', () => {
    socket.write(head)
    let next = 0
    timer = setInterval(() => {
      if (next >= rest.length || socket.destroyed) return clearInterval(timer)
      socket.write(rest[next++]!)
    }, BYTE_EVERY_MS)
  })
  return { received: () => Buffer.concat(chunks).toString('utf8'), closed, answered, stop: () => socket.destroy() }
}

const body = JSON.stringify({ phone: '+15557005700', padding: 'x'.repeat(200) })

test('request headers sent a byte at a time are cut off at HTTP_HEADERS_TIMEOUT with 408', async () => {
  const request = `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${'y'.repeat(200)}\r\n\r\n`
  const client = trickle('', request)
  const closedAfter = await client.closed
  assert.match(client.received(), /^HTTP\/1\.1 408 /)
  assert.ok(closedAfter >= 1000 && closedAfter < 2500, `closed after ${closedAfter} ms`)
})

test('a body sent a byte at a time is cut off at HTTP_REQUEST_TIMEOUT with 408', async () => {
  const head = `POST /sign_in HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
  const client = trickle(head, body)
  const closedAfter = await client.closed
  assert.match(client.received(), /^HTTP\/1\.1 408 /)
  assert.ok(closedAfter >= 2000 && closedAfter < 3500, `closed after ${closedAfter} ms`)
})

test('a request answered 401 while its body still trickles is closed once answered, not left to the body', async () => {
  const head = `POST /sign_in HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
  const client = trickle(head, body)
  const answeredAfter = await client.answered
  const closedAfter = await client.closed
  assert.match(client.received(), /^HTTP\/1\.1 401 /)
  assert.match(client.received(), /"code":"UNAUTHORIZED"/)
  // Ended right after the answer: well before the request's own limit (2 s).
  assert.ok(closedAfter - answeredAfter < 1000, `answered after ${answeredAfter} ms, closed after ${closedAfter} ms`)
})

test('a live stream (GET /messages/live) goes on past both limits and keeps delivering', async () => {
  const url = `http://127.0.0.1:${port}`
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
  assert.equal((await fetch(`${url}/sign_in`, { method: 'POST', headers: auth, body: JSON.stringify({ phone: '+15557005701' }) })).status, 206)
  assert.equal((await fetch(`${url}/sign_in`, { method: 'POST', headers: auth, body: JSON.stringify({ phone: '+15557005701', password: '12345' }) })).status, 200)
  const abort = new AbortController()
  const response = await fetch(`${url}/messages/live`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: abort.signal })
  assert.equal(response.status, 200)
  const opened = performance.now()
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let text = ''
  try {
    // The sandbox posts every 5 s: a message arrives after both limits have passed.
    while (!/event: message/.test(text) || performance.now() - opened < 2500) {
      const { value, done } = await reader.read()
      assert.equal(done, false, `the stream ended after ${performance.now() - opened} ms`)
      text += value
    }
  } finally {
    abort.abort()
  }
  assert.ok(performance.now() - opened >= 2500)
  assert.match(text, /event: message\nid: |id: [^\n]+\nevent: message/)
})
