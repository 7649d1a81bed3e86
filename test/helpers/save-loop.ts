/**
 * A process that saves a session record to a file store over and over, for tests that kill it
 * in mid-save (SIGKILL): `node test/helpers/save-loop.ts <session path>`. It writes through the
 * service's own FileStore, the record encrypted when SESSION_ENCRYPTION_KEY (hex) is set, and
 * says "saving" on stdout once the first save is done.
 */
import { FileStore } from '../../src/sessions/file-store.ts'
import { saveSessionRecord } from '../../src/sessions/session-persistence.ts'

const path = process.argv[2]
if (path === undefined) throw new Error('usage: save-loop.ts <session path>')
const store = new FileStore(path)
const key = process.env.SESSION_ENCRYPTION_KEY ? Buffer.from(process.env.SESSION_ENCRYPTION_KEY, 'hex') : null
for (let round = 0; ; round++) {
  await saveSessionRecord(store, key, { version: 1, session: null, pendingSignIn: null })
  if (round === 0) process.stdout.write('saving\n')
}
