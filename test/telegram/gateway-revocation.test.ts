/**
 * A login is dropped only when Telegram has really revoked it: one signed-out answer is
 * confirmed with a fresh call (users.getUsers for self) before the record goes, the old record
 * is kept in the store's '.revoked' sibling (encrypted like the session), and a transient
 * signed-out answer, or one whose confirmation fails, signs nothing out.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { access, readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { readStringSession } from '@mtcute/core/utils.js'
import { authKeyIdOf } from '@telegram-connector/emulator/testing'
import type { BlobStore } from '../../src/sessions/blob-store.ts'
import { FileStore } from '../../src/sessions/file-store.ts'
import { loadSessionRecord } from '../../src/sessions/session-persistence.ts'
import { SessionStoreError } from '../../src/sessions/session-store-error.ts'
import { isAppError, startHarness, type Harness } from './gateway-fixture.ts'

let h: Harness

before(async () => {
  h = await startHarness()
})
after(async () => {
  await h.close()
})

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false)
const confirmations = (): number => h.emulator.faults.counters.get('users.getUsers')

test('a revocation Telegram confirms signs out, and the old record is kept, encrypted, in the .revoked copy', async () => {
  const key = randomBytes(32)
  const store = h.store('revoked')
  const gateway = await h.open(store, { sessionKey: key })
  await h.signIn(gateway)
  const before = await loadSessionRecord(store, key)
  assert.ok(before.session !== null)
  h.emulator.accounts.logOut(authKeyIdOf(readStringSession(before.session).authKey))
  const asked = confirmations()

  await assert.rejects(h.readAll(gateway), isAppError('NOT_SIGNED_IN'))
  assert.equal(confirmations(), asked + 1, 'confirmed with one fresh call')
  assert.equal(gateway.status().authorized, false)
  // Saved at once, not only at shutdown.
  assert.equal((await loadSessionRecord(store, key)).session, null)
  const copy = `${store.path}.revoked`
  assert.match(await readFile(copy, 'utf8'), /"alg":"A256GCM"/)
  assert.deepEqual(await loadSessionRecord(new FileStore(copy), key), before)
  assert.match(h.log.text(), /Telegram confirms the session is no longer signed in/)
  await gateway.close()
  assert.equal((await loadSessionRecord(store, key)).session, null)
})

test('one signed-out answer for a session Telegram still recognises signs nothing out: 503, and the next read works', async () => {
  const store = h.store('transient')
  const gateway = await h.open(store)
  await h.signIn(gateway)
  const before = await loadSessionRecord(store, null)
  h.emulator.faults.rpcError('messages.getDialogs', 401, 'AUTH_KEY_UNREGISTERED', { times: 1 })

  await assert.rejects(h.readAll(gateway), isAppError('TELEGRAM_UNAVAILABLE'))
  assert.equal(gateway.status().authorized, true)
  assert.match(h.log.text(), /did not confirm it: the session is kept.*"confirmation":"signed-in"/)
  assert.ok((await h.readAll(gateway)).length > 0)
  await gateway.close()
  assert.deepEqual(await loadSessionRecord(store, null), before)
  assert.equal(await exists(`${store.path}.revoked`), false)
})

test('a signed-out answer whose confirmation fails otherwise keeps the session', async () => {
  const store = h.store('unconfirmed')
  const gateway = await h.open(store)
  await h.signIn(gateway)
  const before = await loadSessionRecord(store, null)
  h.emulator.faults.rpcError('messages.getDialogs', 401, 'SESSION_REVOKED', { times: 1 })
  // Telegram's internal error, through mtcute's bounded retries.
  h.emulator.faults.rpcError('users.getUsers', 500, 'INTERNAL', { times: 3 })

  await assert.rejects(h.readAll(gateway), isAppError('TELEGRAM_UNAVAILABLE'))
  assert.equal(gateway.status().authorized, true)
  assert.match(h.log.text(), /"confirmation":"unknown"/)
  h.emulator.faults.clear('users.getUsers')
  await gateway.close()
  assert.deepEqual(await loadSessionRecord(store, null), before)
})

test('a confirmed revocation whose copy cannot be written keeps the record in the store until it can be', async () => {
  const inner = h.store('no-copy')
  let refuseCopies = true
  const store: BlobStore = {
    read: (name) => inner.read(name),
    write: async (name, data) => {
      if (name === '.revoked' && refuseCopies) throw new SessionStoreError('STORE_UNAVAILABLE', 'no-copy: down')
      await inner.write(name, data)
    },
    remove: (name) => inner.remove(name),
    describe: () => inner.describe(),
  }
  const gateway = await h.open(store as FileStore)
  await h.signIn(gateway)
  const before = await loadSessionRecord(inner, null)
  h.emulator.accounts.logOut(authKeyIdOf(readStringSession(before.session!).authKey))

  await assert.rejects(h.readAll(gateway), isAppError('NOT_SIGNED_IN'))
  assert.deepEqual(await loadSessionRecord(inner, null), before)
  assert.match(h.log.text(), /could not be copied aside: it is kept until it can be/)
  refuseCopies = false
  await assert.rejects(h.readAll(gateway), isAppError('NOT_SIGNED_IN'))
  assert.equal((await loadSessionRecord(inner, null)).session, null)
  assert.deepEqual(await loadSessionRecord(new FileStore(`${inner.path}.revoked`), null), before)
})
