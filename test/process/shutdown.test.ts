/**
 * The process itself (src/main.ts), run compiled as the image runs it (`node dist/main.js`) in
 * sandbox mode with a file store in a temporary directory: SIGTERM lets a request in flight finish, saves the
 * session (mode 0600), releases the lease and exits 0; a restart is signed in with no login; a
 * save that keeps failing is retried and reported, and the exit code says so; a second process waits for
 * the session's lease and gives up; and the ways the process refuses to start, each with one line naming the variable and no stack trace.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { access, mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureCompiledBuild } from '../helpers/compiled-build.ts'
import { freePort, logLines, runCompiled, type ScriptRun } from '../helpers/service-process.ts'

let directory: string
const running: ScriptRun[] = []

before(async () => {
  await ensureCompiledBuild()
  directory = await mkdtemp(join(tmpdir(), 'tc-process-'))
})
after(async () => {
  for (const run of running) await run.stop()
  await rm(directory, { recursive: true, force: true })
})

function start(env: Record<string, string>): ScriptRun {
  const run = runCompiled('main.js', [], { LOG_LEVEL: 'info', ...env })
  running.push(run)
  return run
}

async function startListening(env: Record<string, string>): Promise<{ run: ScriptRun, url: string }> {
  const port = await freePort()
  const run = start({ PORT: String(port), ...env })
  await run.waitFor(/Server listening at/)
  return { run, url: `http://127.0.0.1:${port}` }
}

async function health(url: string): Promise<{ authorized: boolean, sandbox: boolean }> {
  return await (await fetch(`${url}/health`)).json() as { authorized: boolean, sandbox: boolean }
}

function postSignIn(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/sign_in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

const weekAgo = (): string => new Date(Date.now() - 7 * 86_400_000).toISOString()

test('SIGTERM lets a request in flight finish, saves the session with mode 0600 and exits 0; a restart is signed in without a login', async () => {
  const sessionPath = join(directory, 'graceful', 'session')
  // At debug, the log says when a request comes in (at info, only when it is answered).
  const env = { SESSION_URL: `file:${sessionPath}`, LOG_LEVEL: 'debug' }
  const first = await startListening(env)
  const before = await health(first.url)
  assert.deepEqual({ authorized: before.authorized, sandbox: before.sandbox }, { authorized: false, sandbox: true })
  assert.equal((await postSignIn(first.url, { phone: '+15557005678' })).status, 206)
  assert.equal((await postSignIn(first.url, { phone: '+15557005678', password: '12345' })).status, 200)

  // A read of the whole demo week is in flight when the signal arrives.
  const inFlight = fetch(`${first.url}/messages?start_time=${weekAgo()}`)
  await first.run.waitFor(/"url":"\/messages\?start_time=[^"]*"[^\n]*"msg":"incoming request"/)
  first.run.signal('SIGTERM')
  const response = await inFlight
  assert.equal(response.status, 200)
  const messages = await response.json() as Array<{ _: string, peer_id: { _: string } }>
  assert.ok(messages.length > 100, `${messages.length} messages`)
  assert.ok(messages.every((message) => message._ === 'Message' && message.peer_id._ === 'PeerChannel'))

  assert.deepEqual(await first.run.exited, { code: 0, signal: null })
  const lines = logLines(first.run.stdout())
  assert.ok(lines.some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM'))
  assert.ok(lines.some((line) => line.msg === 'session saved; stopped'))
  const shutdownAt = lines.findIndex((line) => line.msg === 'shutting down')
  const messagesRequest = lines.find((line) => line.msg === 'incoming request' && String((line.req as { url: string }).url).startsWith('/messages'))?.reqId
  const messagesDone = lines.findIndex((line) => line.msg === 'request completed' && line.reqId === messagesRequest)
  assert.ok(shutdownAt >= 0 && messagesDone > shutdownAt, 'the signal arrived while /messages was in flight')
  assert.deepEqual(lines.filter((line) => line.level >= 50), [], 'no error was logged')
  assert.equal((await stat(sessionPath)).mode & 0o777, 0o600)
  assert.equal((await stat(`${sessionPath}.sandbox`)).mode & 0o777, 0o600)
  await assert.rejects(access(`${sessionPath}.lock`), 'the lease is released')

  const second = await startListening(env)
  assert.equal((await health(second.url)).authorized, true)
  const again = await fetch(`${second.url}/messages?start_time=${weekAgo()}`)
  assert.equal(again.status, 200)
  assert.ok(((await again.json()) as unknown[]).length > 100)
  assert.ok(!second.run.stdout().includes('"url":"/sign_in"'), 'no sign-in was needed')
  second.run.signal('SIGTERM')
  assert.deepEqual(await second.run.exited, { code: 0, signal: null })
})

test('a session save that keeps failing at shutdown is retried with backoff, reported at error level, and the exit code is 1', async () => {
  // The store's directory is reached through a symbolic link, so that it can become a plain file
  // in one step.
  const storeDirectory = join(directory, 'failing')
  await mkdir(`${storeDirectory}.directory`)
  await symlink(`${storeDirectory}.directory`, storeDirectory)
  const env = { SESSION_URL: `file:${join(storeDirectory, 'session')}` }
  const { run, url } = await startListening(env)
  assert.equal((await postSignIn(url, { phone: '+15557005679' })).status, 206)
  assert.equal((await postSignIn(url, { phone: '+15557005679', password: '12345' })).status, 200)
  // The store's directory becomes a plain file: every write beneath it fails (ENOTDIR). The link
  // is replaced by one to a file with rename(2), atomically: the running process, which may be
  // reading or writing the store meanwhile, never finds the store missing — a lease file that
  // is missing is a lease lost, on which the process stops at once without saving.
  await writeFile(`${storeDirectory}.file`, 'not a directory')
  await symlink(`${storeDirectory}.file`, `${storeDirectory}.next`)
  await rename(`${storeDirectory}.next`, storeDirectory)
  run.signal('SIGTERM')
  assert.deepEqual(await run.exited, { code: 1, signal: null })
  const lines = logLines(run.stdout())
  const retries = lines.filter((line) => line.msg === 'could not save the session; retrying')
  assert.deepEqual(retries.map((line) => line.retryInMs), [200, 400, 800, 1600])
  const giveUp = lines.filter((line) => line.level === 50 && typeof line.msg === 'string' && line.msg.startsWith('could not save the session; giving up'))
  assert.equal(giveUp.length, 1)
  assert.equal(giveUp[0]!.attempts, 5)
  assert.ok(!lines.some((line) => line.msg === 'session saved; stopped'))
})

/** Starts the process expecting it to refuse; returns its one line of stderr. */
async function refusal(env: Record<string, string>): Promise<string> {
  const run = start(env)
  const exit = await run.exited
  assert.deepEqual(exit, { code: 1, signal: null }, run.stderr())
  const text = run.stderr().trimEnd()
  assert.equal(text.split('\n').length, 1, `one line, got: ${text}`)
  assert.doesNotMatch(text, /^\s+at /m, 'no stack trace')
  return text
}

test('a bad PORT stops the process at start with one line naming PORT', async () => {
  const sessionUrl = `file:${join(directory, 'refused', 'session')}`
  for (const port of ['abc', '65536']) {
    assert.match(await refusal({ PORT: port, SESSION_URL: sessionUrl }), /\bPORT\b/)
  }
})

test('a non-loopback HOST without API_TOKEN refuses to start, naming API_TOKEN', async () => {
  const text = await refusal({ HOST: '0.0.0.0', PORT: '5000', SESSION_URL: `file:${join(directory, 'refused', 'session')}` })
  assert.match(text, /API_TOKEN/)
  assert.match(text, /ALLOW_UNAUTHENTICATED/)
})

test('a process whose lease is taken from it stops at its next session write, says so at error level and exits 1', async () => {
  const sessionPath = join(directory, 'taken', 'session')
  const { run, url } = await startListening({ SESSION_URL: `file:${sessionPath}` })
  // What another instance taking over looks like from here: the lease is no longer in the store.
  await rm(`${sessionPath}.lock`)
  // Asking for a code writes the pending sign-in, and every write first checks the lease.
  await postSignIn(url, { phone: '+15557005680' }).catch(() => undefined)
  assert.deepEqual(await run.exited, { code: 1, signal: null })
  const lost = logLines(run.stdout()).filter((line) => line.level === 50 && /lease on the session .* was lost \(it was removed from the store\)/.test(String(line.msg)))
  assert.equal(lost.length, 1, run.stdout())
  assert.equal(lost[0]!.code, 'SESSION_LEASE_LOST')
  assert.match(run.stderr(), /was lost \(it was removed from the store\)/)
  assert.ok(!logLines(run.stdout()).some((line) => line.msg === 'session saved; stopped'))
})

test('a second process on a session in use waits for the lease, says who holds it, and gives up after SESSION_LOCK_WAIT', async () => {
  const env = { SESSION_URL: `file:${join(directory, 'shared', 'session')}` }
  const holder = await startListening(env)
  const waiting = start({ ...env, PORT: String(await freePort()), SESSION_LOCK_WAIT: '1' })
  await waiting.waitFor(/the session is in use by another instance: waiting for its lease/)
  const line = logLines(waiting.stdout()).find((l) => l.msg === 'the session is in use by another instance: waiting for its lease')
  assert.equal(line?.holder, `${hostname()}:${holder.run.child.pid}`)
  // The process says how long it waits, and until when (1 s after it began); it may not give up sooner.
  assert.equal(line?.waitSeconds, 1)
  const waitUntil = Date.parse(String(line?.waitUntil))
  assert.ok(waitUntil <= Number(line?.time) + 1_000, `waits until ${String(line?.waitUntil)}, logged at ${String(line?.time)}`)
  assert.deepEqual(await waiting.exited, { code: 1, signal: null })
  assert.ok(Date.now() >= waitUntil, `exited ${waitUntil - Date.now()} ms before the end of its wait`)
  const refusalLine = waiting.stderr().trimEnd()
  assert.equal(refusalLine.split('\n').length, 1, refusalLine)
  assert.ok(refusalLine.includes(`${hostname()}:${holder.run.child.pid}`), refusalLine)
  // The holder was never disturbed.
  assert.equal((await health(holder.url)).sandbox, true)
  holder.run.signal('SIGTERM')
  assert.deepEqual(await holder.run.exited, { code: 0, signal: null })
})
