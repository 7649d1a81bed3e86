/**
 * The session in a local file (SESSION_URL=file:<path>). Sibling objects are files whose names
 * append to the path: `data/session`, `data/session.lock`, `data/session.sandbox`.
 *
 * Writes are atomic (docs/spec.md §5): the bytes go to a temporary file beside the target (same
 * directory, so the same file system), are flushed with fsync, and the temporary file is
 * renamed over the target — rename(2) replaces the name in one step, so a crash leaves the old
 * file or the new one. Files are created with mode 0600 and the directory with 0700: the
 * session holds an auth key that is as good as the account's password.
 *
 * The lease (src/sessions/lease.ts) needs conditional writes, which files do not have as such;
 * they are built from the two file system calls that are atomic and exclusive: link(2), which
 * fails when the new name exists, and rename(2), which moves a given file exactly once.
 */
import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { assertSiblingName } from './blob-store.ts'
import type { BlobStore, WrittenAt } from './blob-store.ts'
import type { LeaseStore, VersionedObject } from './lease-store.ts'
import { SessionStoreError } from './session-store-error.ts'
import type { SessionStoreErrorCode } from './session-store-error.ts'

const FILE_MODE = 0o600
const DIRECTORY_MODE = 0o700

export class FileStore implements BlobStore, LeaseStore, WrittenAt {
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

  async writtenAt(name = ''): Promise<Date | null> {
    const target = this.#target(name)
    try {
      return (await fsp.stat(target)).mtime
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw storeError('stat', target, err)
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    const target = this.#target(name)
    try {
      await publish(target, data, (temporary) => fsp.rename(temporary, target))
    } catch (err) {
      throw storeError('write', target, err)
    }
  }

  async remove(name: string): Promise<void> {
    const target = this.#target(name)
    try {
      await fsp.rm(target, { force: true })
    } catch (err) {
      throw storeError('remove', target, err)
    }
  }

  async readVersioned(name: string): Promise<VersionedObject | null> {
    const data = await this.read(name)
    return data === null ? null : { data, version: digest(data) }
  }

  /**
   * The bytes go to a temporary file that is then hard-linked to the target name: link(2)
   * fails with EEXIST when the name exists, and the object appears with all its bytes at
   * once, so a reader never sees a half-written lock.
   */
  async createIfAbsent(name: string, data: Buffer): Promise<string | null> {
    const target = this.#target(name)
    try {
      await publish(target, data, (temporary) => fsp.link(temporary, target))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null
      throw storeError('create', target, err)
    }
    return digest(data)
  }

  /**
   * Whoever renames the current file aside owns it; it then checks that the file is the version
   * it saw, and links the new file in its place. Between the two steps the name is free, and an
   * exclusive create by someone else wins over this replace: that is still one winner.
   */
  async replaceIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    const target = this.#target(name)
    const aside = await claim(target, version).catch((err: unknown) => {
      throw storeError('replace', target, err)
    })
    if (aside === 'gone' || aside === 'changed') return null
    try {
      return await this.createIfAbsent(name, data)
    } finally {
      await fsp.rm(aside, { force: true }).catch(() => {})
    }
  }

  /**
   * A check, then an atomic write (rename over the name): the name is never free, so someone
   * waiting for the lease cannot slip in while it is renewed. Not exclusive between the check
   * and the rename; the lease uses it only while its own lease is unexpired, when nobody else
   * replaces it.
   */
  async renewIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    if ((await this.readVersioned(name))?.version !== version) return null
    await this.write(name, data)
    return digest(data)
  }

  async removeIfVersion(name: string, version: string): Promise<boolean> {
    const target = this.#target(name)
    const aside = await claim(target, version).catch((err: unknown) => {
      throw storeError('remove', target, err)
    })
    if (aside === 'gone') return true
    if (aside === 'changed') return false
    await fsp.rm(aside, { force: true }).catch(() => {})
    await syncDirectory(dirname(target))
    return true
  }

  async enforcesConditions(): Promise<boolean> {
    return true
  }

  #target(name: string): string {
    assertSiblingName(name)
    return this.path + name
  }
}

function temporaryBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
}

async function makeDirectory(directory: string): Promise<void> {
  await fsp.mkdir(directory, { recursive: true, mode: DIRECTORY_MODE }).catch((err: NodeJS.ErrnoException) => {
    // mkdir answers EEXIST when the directory's path names a file: the path does not lead to a directory.
    throw err.code === 'EEXIST' ? Object.assign(new Error(`${directory} is not a directory`), { code: 'ENOTDIR' }) : err
  })
}

/**
 * Puts `data` at `target` all at once: a 0600 temporary file beside it, flushed, then `place`d
 * at the target name (rename replaces, link refuses an existing name), the directory synced.
 * The temporary file never outlives the call.
 */
async function publish(target: string, data: Buffer, place: (temporary: string) => Promise<void>): Promise<void> {
  const directory = dirname(target)
  const temporary = temporaryBeside(target)
  try {
    await makeDirectory(directory)
    await writeNewFile(temporary, data)
    await place(temporary)
  } finally {
    await fsp.rm(temporary, { force: true }).catch(() => {})
  }
  await syncDirectory(directory)
}

/** A new file with mode 0600 holding `data`, flushed to disk; fails if the name exists. */
async function writeNewFile(path: string, data: Buffer): Promise<void> {
  const handle = await fsp.open(path, 'wx', FILE_MODE)
  try {
    // The mode given to open() is filtered by the umask; set it explicitly.
    await handle.chmod(FILE_MODE)
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A file's version: the digest of its bytes (lease documents carry a random token, so two never collide). */
function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64url')
}

/**
 * Moves the file at `target` aside if it still holds `version`, giving the path it was moved to.
 * rename(2) moves a given file once, so of two claimers only one gets it. If the file moved is
 * not the version expected (another writer replaced it after our read), it is linked back,
 * unless a third writer has created a new one meanwhile.
 */
async function claim(target: string, version: string): Promise<string | 'gone' | 'changed'> {
  const aside = temporaryBeside(target)
  try {
    await fsp.rename(target, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw err
  }
  let kept = false
  try {
    if (digest(await fsp.readFile(aside)) === version) {
      kept = true
      return aside
    }
    await fsp.link(aside, target).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
    return 'changed'
  } finally {
    if (!kept) await fsp.rm(aside, { force: true }).catch(() => {})
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
