/**
 * FileStore.removeLeftovers: the temporary files a killed process left beside the session's
 * objects go; the lease's (another instance may be writing its own), those of this process's
 * writes in flight, and every other file stay.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore } from '../../src/sessions/file-store.ts'

let directory = ''
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tc-leftovers-'))
})
after(async () => {
  await rm(directory, { recursive: true, force: true })
})

test('the temporary files of the session and its siblings are removed; the lease\'s and unrelated files stay', async () => {
  const store = new FileStore(join(directory, 'session'))
  await store.write('', Buffer.from('the session'))
  const names = {
    session: '.session.0123456789ab.tmp',
    sandbox: '.session.sandbox.abcdef012345.tmp',
    revoked: '.session.revoked.00000000ffff.tmp',
    lock: '.session.lock.0123456789ab.tmp',
    otherStore: '.session2.0123456789ab.tmp',
    notOurs: '.session.0123456789ab.tmp.bak',
    backup: 'session.bak',
  }
  for (const name of Object.values(names)) await writeFile(join(directory, name), 'bytes')
  const removed = await store.removeLeftovers(['.lock'])
  assert.deepEqual(removed.sort(), [names.session, names.revoked, names.sandbox].sort())
  assert.deepEqual((await readdir(directory)).sort(), [names.backup, names.lock, names.notOurs, names.otherStore, 'session'].sort())
})

test('a write in flight keeps its temporary file while leftovers are removed', async () => {
  const store = new FileStore(join(directory, 'busy', 'session'))
  const writes = Array.from({ length: 20 }, (_, i) => store.write('', Buffer.alloc(64 * 1024, i)))
  const sweeps = Array.from({ length: 20 }, () => store.removeLeftovers())
  await Promise.all(writes)
  for (const removed of await Promise.all(sweeps)) assert.deepEqual(removed, [])
  assert.deepEqual(await readdir(join(directory, 'busy')), ['session'])
})

test('a store whose directory does not exist has no leftovers', async () => {
  assert.deepEqual(await new FileStore(join(directory, 'absent', 'session')).removeLeftovers(), [])
})
