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
 *
 * Every call has a deadline (src/sessions/deadline.ts): a file system that stops answering (a
 * network mount gone away) fails the call as STORE_UNAVAILABLE rather than hold it for ever.
 * A temporary file holds the whole object, session included, so none outlives its call; one left
 * by a process killed mid-write is removed by `removeLeftovers`, which the lease holder calls at
 * start and at sign-out.
 */
import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { systemClock } from '../clock.ts'
import { assertSiblingName } from './blob-store.ts'
import type { BlobStore, WrittenAt } from './blob-store.ts'
import { withinDeadline, type Deadline } from './deadline.ts'
import { SESSION_LEASE_TIMING } from './lease-timing.ts'
import type { LeaseStore, VersionedObject } from './lease-store.ts'
import { SessionStoreError } from './session-store-error.ts'
import type { SessionStoreErrorCode } from './session-store-error.ts'

const FILE_MODE = 0o600
const DIRECTORY_MODE = 0o700

export interface FileStoreOptions {
  /** The longest one call may take (default: the default lease's store deadline, 5 s). */
  deadline?: Deadline | undefined
}

export class FileStore implements BlobStore, LeaseStore, WrittenAt {
  readonly path: string
  readonly #deadline: Deadline

  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path
    this.#deadline = options.deadline ?? { ms: SESSION_LEASE_TIMING.storeDeadlineMs, clock: systemClock }
  }

  describe(): string {
    return `file:${this.path}`
  }

  read(name = ''): Promise<Buffer | null> {
    return this.#within('read', name, () => this.#read(name))
  }

  writtenAt(name = ''): Promise<Date | null> {
    return this.#within('stat', name, async (target) => {
      try {
        return (await fsp.stat(target)).mtime
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw storeError('stat', target, err)
      }
    })
  }

  write(name: string, data: Buffer): Promise<void> {
    return this.#within('write', name, () => this.#write(name, data))
  }

  remove(name: string): Promise<void> {
    return this.#within('remove', name, async (target) => {
      try {
        await fsp.rm(target, { force: true })
      } catch (err) {
        throw storeError('remove', target, err)
      }
    })
  }

  readVersioned(name: string): Promise<VersionedObject | null> {
    return this.#within('read', name, () => this.#readVersioned(name))
  }

  /**
   * The bytes go to a temporary file that is then hard-linked to the target name: link(2)
   * fails with EEXIST when the name exists, and the object appears with all its bytes at
   * once, so a reader never sees a half-written lock.
   */
  createIfAbsent(name: string, data: Buffer): Promise<string | null> {
    return this.#within('create', name, () => this.#createIfAbsent(name, data))
  }

  /**
   * Whoever renames the current file aside owns it; it then checks that the file is the version
   * it saw, and links the new file in its place. Between the two steps the name is free, and an
   * exclusive create by someone else wins over this replace: that is still one winner. When the
   * new file cannot be written (a full or read-only disk), the claimed file is linked back: a
   * failed replace leaves the object as it was, never gone.
   */
  replaceIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    return this.#within('replace', name, async (target) => {
      const aside = await claim(target, version).catch((err: unknown) => {
        throw storeError('replace', target, err)
      })
      if (aside === 'gone' || aside === 'changed') return null
      try {
        return await this.#createIfAbsent(name, data)
      } catch (err) {
        await fsp.link(aside, target).catch(() => {})
        throw err
      } finally {
        await discard(aside)
      }
    })
  }

  /**
   * A check, then an atomic write (rename over the name): the name is never free, so someone
   * waiting for the lease cannot slip in while it is renewed. Not exclusive between the check
   * and the rename; the lease uses it only while its own lease is unexpired, when nobody else
   * replaces it.
   */
  renewIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    return this.#within('write', name, async () => {
      if ((await this.#readVersioned(name))?.version !== version) return null
      await this.#write(name, data)
      return digest(data)
    })
  }

  removeIfVersion(name: string, version: string): Promise<boolean> {
    return this.#within('remove', name, async (target) => {
      const aside = await claim(target, version).catch((err: unknown) => {
        throw storeError('remove', target, err)
      })
      if (aside === 'gone') return true
      if (aside === 'changed') return false
      await discard(aside)
      await syncDirectory(dirname(target))
      return true
    })
  }

  async enforcesConditions(): Promise<boolean> {
    return true
  }

  /**
   * Removes the temporary files of this store's objects that a process killed in mid-write left
   * beside them — each may hold a whole session — except those of writes in flight in this
   * process and those of the `spare` objects (the lease's: another instance may be writing its
   * own at this moment; they hold no session). Gives the names removed.
   */
  removeLeftovers(spare: readonly string[] = []): Promise<string[]> {
    return this.#within('clean', '', async (target) => {
      const directory = dirname(target)
      const pattern = new RegExp(`^\\.${escapeRegExp(basename(target))}((?:\\.[A-Za-z0-9_-]+)*)\\.[0-9a-f]{12}\\.tmp$`)
      let entries: string[]
      try {
        entries = await fsp.readdir(directory)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw storeError('list', directory, err)
      }
      const removed: string[] = []
      for (const entry of entries) {
        const object = pattern.exec(entry)?.[1]
        const path = join(directory, entry)
        if (object === undefined || spare.includes(object) || inFlight.has(path)) continue
        await fsp.rm(path, { force: true }).catch((err: unknown) => {
          throw storeError('remove', path, err)
        })
        removed.push(entry)
      }
      if (removed.length > 0) await syncDirectory(directory)
      return removed
    })
  }

  async #read(name: string): Promise<Buffer | null> {
    const target = this.#target(name)
    try {
      return await fsp.readFile(target)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw storeError('read', target, err)
    }
  }

  async #readVersioned(name: string): Promise<VersionedObject | null> {
    const data = await this.#read(name)
    return data === null ? null : { data, version: digest(data) }
  }

  async #write(name: string, data: Buffer): Promise<void> {
    const target = this.#target(name)
    try {
      await publish(target, data, (temporary) => fsp.rename(temporary, target))
    } catch (err) {
      throw storeError('write', target, err)
    }
  }

  async #createIfAbsent(name: string, data: Buffer): Promise<string | null> {
    const target = this.#target(name)
    try {
      await publish(target, data, (temporary) => fsp.link(temporary, target))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null
      throw storeError('create', target, err)
    }
    return digest(data)
  }

  async #within<T>(operation: string, name: string, call: (target: string) => Promise<T>): Promise<T> {
    const target = this.#target(name)
    return withinDeadline(this.#deadline, () => call(target), () => new SessionStoreError(
      'STORE_UNAVAILABLE',
      `cannot ${operation} session file ${JSON.stringify(target)}: no answer from the file system within ${this.#deadline.ms / 1000} s`,
    ))
  }

  #target(name: string): string {
    assertSiblingName(name)
    return this.path + name
  }
}

/** Temporary files of this process's writes still under way: `removeLeftovers` spares them. */
const inFlight = new Set<string>()

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Removes a temporary file this process made; it is no longer in flight. */
async function discard(temporary: string): Promise<void> {
  await fsp.rm(temporary, { force: true }).catch(() => {})
  inFlight.delete(temporary)
}

/** A fresh temporary name beside `target`, counted in flight until `discard`ed. */
function temporaryBeside(target: string): string {
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  inFlight.add(temporary)
  return temporary
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
    await discard(temporary)
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
    inFlight.delete(aside)
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
    if (!kept) await discard(aside)
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
