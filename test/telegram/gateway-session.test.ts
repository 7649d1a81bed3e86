import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from '../helpers/wait-until.ts'
import { createServer, type AddressInfo } from 'node:net'
import { readFile, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { readStringSession } from '@mtcute/core/utils.js'
import { authKeyIdOf } from '@telegram-connector/emulator/testing'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { encodeTelethonSession } from '../../src/sessions/telethon-session.ts'
import type { TelethonDict } from '../../src/telegram/history/telethon-shape.ts'
import type { TelegramGateway } from '../../src/telegram/gateway.ts'
import { isAppError, startHarness, type Harness } from './gateway-fixture.ts'

let h: Harness
const phone = (): string => h.phone()
const signIn = (gateway: TelegramGateway): Promise<void> => h.signIn(gateway)
const readAll = (gateway: TelegramGateway): Promise<TelethonDict[]> => h.readAll(gateway)

before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

const authCalls = (): number =>
  ['auth.sendCode', 'auth.signIn', 'auth.checkPassword'].reduce((sum, m) => sum + h.emulator.faults.counters.get(m), 0)

test('an empty store opens not signed in, and reading messages asks to sign in first', async () => {
  const gateway = await h.open(h.store('empty'))
  assert.deepEqual(gateway.status(), { authorized: false, telegram: 'connected', unreachable: false })
  await assert.rejects(readAll(gateway), isAppError('NOT_SIGNED_IN'))
})

test('a store that cannot be read keeps the gateway from opening', async () => {
  const corrupt = h.store('corrupt')
  await writeFile(corrupt.path, 'this is not a session')
  await assert.rejects(h.open(corrupt), (err: unknown) => err instanceof SessionStoreError && err.code === 'SESSION_CORRUPT')

  const denied: BlobStore = {
    read: async () => {
      throw new SessionStoreError('STORE_ACCESS_DENIED', 'file:/nowhere: EACCES')
    },
    write: async () => {},
    remove: async () => {},
    describe: () => 'file:/nowhere',
  }
  await assert.rejects(h.open(denied as FileStore), (err: unknown) => err instanceof SessionStoreError && err.code === 'STORE_ACCESS_DENIED')
})

test('a saved session signs in again after a restart, with no login', async () => {
  const store = h.store('restart')
  const first = await h.open(store)
  await signIn(first)
  const before = await readAll(first)
  await first.close()
  assert.equal(first.status().telegram, 'disconnected')

  const auth = authCalls()
  const second = await h.open(store)
  assert.deepEqual(second.status(), { authorized: true, telegram: 'connected', unreachable: false })
  const afterRestart = await readAll(second)
  assert.ok(before.length > 0)
  assert.deepEqual(afterRestart.map((m) => m.id), before.map((m) => m.id))
  assert.equal(authCalls(), auth)
})

test("a Telethon StringSession left by the Python service is used as it is", async () => {
  const signedIn = h.store('for-telethon')
  const gateway = await h.open(signedIn)
  await signIn(gateway)
  await gateway.close()
  const session = (await loadSessionRecord(signedIn, null)).session
  assert.ok(session !== null)
  const authKey = Buffer.from(readStringSession(session).authKey)

  const legacy = h.store('telethon')
  // Telethon wrote the address it was connected to; port 443 stands for a stale one.
  await writeFile(legacy.path, encodeTelethonSession({ dcId: h.emulator.dcId, ip: '127.0.0.1', port: 443, authKey }))
  const auth = authCalls()
  const restored = await h.open(legacy)
  assert.equal(restored.status().authorized, true)
  assert.ok((await readAll(restored)).length > 0)
  assert.equal(authCalls(), auth)
  await restored.close()
  // Saved back as a session record.
  const record = await loadSessionRecord(legacy, null)
  assert.ok(record.session !== null)
  assert.deepEqual(Buffer.from(readStringSession(record.session).authKey), authKey)
  assert.match(await readFile(legacy.path, 'utf8'), /^\{/)
})

test('a session Telegram no longer recognises turns the gateway back to not signed in', async () => {
  const store = h.store('revoked')
  const gateway = await h.open(store)
  await signIn(gateway)
  const session = (await loadSessionRecord(store, null)).session!
  h.emulator.accounts.logOut(authKeyIdOf(readStringSession(session).authKey))

  await assert.rejects(readAll(gateway), isAppError('NOT_SIGNED_IN'))
  assert.equal(gateway.status().authorized, false)
  await gateway.close()
  assert.equal((await loadSessionRecord(store, null)).session, null)
})

test('a sign-in that cannot be saved is refused, then saved and confirmed when asked again', async () => {
  const inner = h.store('flaky')
  let failWrites = false
  const flaky: BlobStore = {
    read: (name) => inner.read(name),
    write: async (name, data) => {
      if (failWrites) throw new SessionStoreError('STORE_UNAVAILABLE', 'flaky: down')
      await inner.write(name, data)
    },
    remove: (name) => inner.remove(name),
    describe: () => 'flaky',
  }
  const gateway = await h.open(flaky as FileStore)
  const p = phone()
  await gateway.signIn({ phone: p })
  failWrites = true
  await assert.rejects(gateway.signIn({ phone: p, code: h.emulator.lastCode(p) }), isAppError('SESSION_STORE_UNAVAILABLE'))
  assert.equal((await loadSessionRecord(inner, null)).session, null)
  await assert.rejects(gateway.signIn({ phone: p }), isAppError('SESSION_STORE_UNAVAILABLE'))
  failWrites = false
  assert.deepEqual(await gateway.signIn({ phone: p }), { done: true })
  assert.ok((await loadSessionRecord(inner, null)).session !== null)
})

test('with a session key the stored record is encrypted and still restores the login', async () => {
  const key = randomBytes(32)
  const store = h.store('encrypted')
  const gateway = await h.open(store, { sessionKey: key })
  await signIn(gateway)
  await gateway.close()
  const stored = await readFile(store.path, 'utf8')
  assert.match(stored, /"alg":"A256GCM"/)
  assert.equal(stored.includes('pendingSignIn'), false)
  const reopened = await h.open(store, { sessionKey: key })
  assert.equal(reopened.status().authorized, true)
})

test('an unreachable Telegram still lets the gateway open; a sign-in then fails with TELEGRAM_UNAVAILABLE', async () => {
  const port = await freePort()
  const gateway = await h.open(h.store('unreachable'), {
    telegram: { apiId: 1, apiHash: 'x', dc: { host: '127.0.0.1', port }, publicKeyPem: h.emulator.publicKeyPem },
    connectWaitMs: 100,
    callTimeoutMs: 300,
  })
  const { unreachable, ...link } = gateway.status()
  assert.deepEqual(link, { authorized: false, telegram: 'connecting' })
  // Known unreachable once the refused connection is reported (what /health calls degraded).
  if (!unreachable) await waitUntil(() => gateway.status().unreachable, 'the outage known')
  await assert.rejects(gateway.signIn({ phone: phone() }), isAppError('TELEGRAM_UNAVAILABLE'))
  assert.match(h.log.text(), /Telegram connection error; reconnecting/)
  await gateway.close()
  assert.equal(gateway.status().telegram, 'disconnected')
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
