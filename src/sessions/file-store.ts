/**
 * The session in a local file (SESSION_URL=file:<path>). Sibling objects are files whose names
 * append to the path: `data/session`, `data/session.lock`, `data/session.sandbox`.
 *
 * Writes are atomic (SPEC §5): the bytes go to a temporary file beside the target (same
 * directory, so the same file system), are flushed with fsync, and the temporary file is
 * renamed over the target — rename(2) replaces the name in one step, so a crash leaves the old
 * file or the new one. Files are created with mode 0600 and the directory with 0700: the
 * session holds an auth key that is as good as the account's password.
 */
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { assertSiblingName } from './blob-store.ts'
import type { BlobStore } from './blob-store.ts'
import { SessionStoreError } from './session-store-error.ts'
import type { SessionStoreErrorCode } from './session-store-error.ts'

const FILE_MODE = 0o600
const DIRECTORY_MODE = 0o700

export class FileStore implements BlobStore {
  readonly path: string

  constructor(path: string) {
    this.path = path
  }

  describe(): string {
    return `file:${this.path}`
  }

  async read(name = ''): Promise<Buffer | null> {
    const target = this.#target(name)
    try {
      return await fsp.readFile(target)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw storeError('read', target, err)
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    const target = this.#target(name)
    const directory = dirname(target)
    const temporary = join(directory, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      await fsp.mkdir(directory, { recursive: true, mode: DIRECTORY_MODE }).catch((err: NodeJS.ErrnoException) => {
        // mkdir answers EEXIST when the directory's path names a file: the path does not lead to a directory.
        throw err.code === 'EEXIST' ? Object.assign(new Error(`${directory} is not a directory`), { code: 'ENOTDIR' }) : err
      })
      const handle = await fsp.open(temporary, 'wx', FILE_MODE)
      try {
        // The mode given to open() is filtered by the umask; set it explicitly.
        await handle.chmod(FILE_MODE)
        await handle.writeFile(data)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fsp.rename(temporary, target)
    } catch (err) {
      await fsp.rm(temporary, { force: true }).catch(() => {})
      throw storeError('write', target, err)
    }
    await syncDirectory(directory)
  }

  async remove(name: string): Promise<void> {
    const target = this.#target(name)
    try {
      await fsp.rm(target, { force: true })
    } catch (err) {
      throw storeError('remove', target, err)
    }
  }

  #target(name: string): string {
    assertSiblingName(name)
    return this.path + name
  }
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is not an error here. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await fsp.open(directory, 'r')
    await handle.sync()
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => {})
  }
}

function storeError(operation: string, target: string, err: unknown): SessionStoreError {
  const errno = (err as NodeJS.ErrnoException).code
  const code: SessionStoreErrorCode =
    errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS'
      ? 'STORE_ACCESS_DENIED'
      : errno === 'ENOTDIR' || errno === 'ENOENT'
        ? 'STORE_NOT_FOUND'
        : 'STORE_FAILED'
  return new SessionStoreError(code, `cannot ${operation} session file ${JSON.stringify(target)}: ${errno ?? (err as Error).message}`, { cause: err })
}
