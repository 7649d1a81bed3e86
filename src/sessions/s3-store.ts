/**
 * The session in an S3 object (SESSION_URL=s3://<bucket>/<key>). Sibling objects are keys that
 * append to the key: `sessions/prod`, `sessions/prod.lock`, `sessions/prod.sandbox`.
 *
 * A PutObject replaces the whole object at once (S3 never exposes a partly written object),
 * which gives the store its atomic writes. Errors are reported with the S3 error name and the
 * HTTP status only: S3 error objects can carry request ids and access key ids we do not log.
 *
 * The lease's conditional writes use S3's own: PutObject with If-None-Match: * creates only
 * when the key is free, If-Match: <ETag> replaces only the version that was read (answering
 * 412 Precondition Failed otherwise). Not every S3-compatible server honours these headers, and
 * one that does not simply writes; the store finds out once, with a probe object, and then
 * checks by reading before and after instead — which narrows the race without closing it.
 * Every request has a deadline (src/sessions/deadline.ts): past it, the request is aborted (its
 * socket destroyed) and the call fails as STORE_UNAVAILABLE, so an endpoint that accepts a
 * connection and never answers cannot hold the lease's renewal for ever.
 *
 * (MinIO releases before August 2025 honour both headers but let If-Match write a key that no
 * longer exists — minio/minio#21526; the lease only meets that case when a lease is removed and
 * taken over at the same instant.)
 */
import { createHash } from 'node:crypto'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { systemClock } from '../core/clock.ts'
import { parseS3Endpoint } from '../config/config.ts'
import { assertSiblingName } from './blob-store.ts'
import { withinDeadline, type Deadline } from './deadline.ts'
import { SESSION_LEASE_TIMING } from './lease-timing.ts'
import type { BlobStore, WrittenAt } from './blob-store.ts'
import type { LeaseStore, VersionedObject } from './lease-store.ts'
import { SessionStoreError } from './session-store-error.ts'
import type { SessionStoreErrorCode } from './session-store-error.ts'

export interface S3StoreOptions {
  bucket: string
  key: string
  client: S3Client
  /** The longest one request may take (default: the default lease's store deadline, 5 s). */
  deadline?: Deadline | undefined
}

export class S3Store implements BlobStore, LeaseStore, WrittenAt {
  readonly bucket: string
  readonly key: string
  readonly #client: S3Client
  readonly #deadline: Deadline
  #conditions: Promise<boolean> | undefined

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket
    this.key = options.key
    this.#client = options.client
    this.#deadline = options.deadline ?? { ms: SESSION_LEASE_TIMING.storeDeadlineMs, clock: systemClock }
  }

  describe(): string {
    return `s3://${this.bucket}/${this.key}`
  }

  async read(name = ''): Promise<Buffer | null> {
    const key = this.#key(name)
    try {
      const answer = await this.#request((abortSignal) => this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }))
      if (answer.Body === undefined) return Buffer.alloc(0)
      return Buffer.from(await answer.Body.transformToByteArray())
    } catch (err) {
      if (isMissingObject(err)) return null
      throw this.#error('read', key, err)
    }
  }

  async writtenAt(name = ''): Promise<Date | null> {
    const key = this.#key(name)
    try {
      const answer = await this.#request((abortSignal) => this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }))
      return answer.LastModified ?? null
    } catch (err) {
      if (isMissingObject(err)) return null
      throw this.#error('read', key, err)
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    const key = this.#key(name)
    try {
      await this.#request((abortSignal) => this.#client.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentType: 'application/octet-stream',
      }), { abortSignal }))
    } catch (err) {
      throw this.#error('write', key, err)
    }
  }

  async remove(name: string): Promise<void> {
    const key = this.#key(name)
    try {
      await this.#request((abortSignal) => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }))
    } catch (err) {
      if (isMissingObject(err)) return
      throw this.#error('remove', key, err)
    }
  }

  async readVersioned(name: string): Promise<VersionedObject | null> {
    const key = this.#key(name)
    try {
      const answer = await this.#request((abortSignal) => this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }))
      const data = answer.Body === undefined ? Buffer.alloc(0) : Buffer.from(await answer.Body.transformToByteArray())
      // Every S3 server sends an ETag; a digest stands in so that versions still differ without one.
      return { data, version: answer.ETag ?? `sha256:${createHash('sha256').update(data).digest('base64url')}` }
    } catch (err) {
      if (isMissingObject(err)) return null
      throw this.#error('read', key, err)
    }
  }

  async createIfAbsent(name: string, data: Buffer): Promise<string | null> {
    if (!(await this.enforcesConditions())) {
      if ((await this.readVersioned(name)) !== null) return null
      return this.#writeAndReadBack(name, data)
    }
    return this.#conditionalPut(name, data, { IfNoneMatch: '*' })
  }

  async replaceIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    if (!(await this.enforcesConditions())) {
      if ((await this.readVersioned(name))?.version !== version) return null
      return this.#writeAndReadBack(name, data)
    }
    return this.#conditionalPut(name, data, { IfMatch: version })
  }

  /** A PutObject replaces atomically, so renewing is replacing. */
  renewIfVersion(name: string, data: Buffer, version: string): Promise<string | null> {
    return this.replaceIfVersion(name, data, version)
  }

  async removeIfVersion(name: string, version: string): Promise<boolean> {
    const current = await this.readVersioned(name)
    if (current === null) return true
    if (current.version !== version) return false
    const key = this.#key(name)
    const enforced = await this.enforcesConditions()
    try {
      await this.#request((abortSignal) => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...(enforced ? { IfMatch: version } : {}) }), { abortSignal }))
      return true
    } catch (err) {
      const { status } = describeFailure(err)
      if (status === 412) return false
      if (isMissingObject(err)) return true
      // Conditional deletes came to S3 after conditional writes; a server without them was
      // checked by the read above.
      if (enforced && (status === 400 || status === 501)) return this.remove(name).then(() => true)
      throw this.#error('remove', key, err)
    }
  }

  /** Asked once per store; a failed probe is asked again next time. */
  enforcesConditions(): Promise<boolean> {
    this.#conditions ??= this.#probeConditions().catch((err: unknown) => {
      this.#conditions = undefined
      throw err
    })
    return this.#conditions
  }

  /**
   * Writes a probe object beside the session, then writes it again with each condition set so
   * that it cannot hold: a server that honours the header refuses (412); one that ignores it
   * writes. Both conditions are needed, to create the lease and to renew it.
   */
  async #probeConditions(): Promise<boolean> {
    const name = '.lease-probe'
    const key = this.#key(name)
    const probe = Buffer.from('lease probe\n')
    try {
      await this.#request((abortSignal) => this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: probe }), { abortSignal }))
    } catch (err) {
      throw this.#error('write', key, err)
    }
    const refuses = async (condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<boolean> => {
      try {
        await this.#request((abortSignal) => this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: probe, ...condition }), { abortSignal }))
        return false
      } catch (err) {
        const { status } = describeFailure(err)
        if (status === 412) return true
        // A server that rejects the header instead of ignoring it does not offer it either.
        if (status === 400 || status === 501) return false
        throw this.#error('write', key, err)
      }
    }
    const enforced = (await refuses({ IfNoneMatch: '*' })) && (await refuses({ IfMatch: '"lease-probe-never-matches"' }))
    await this.remove(name)
    return enforced
  }

  /**
   * A PutObject whose condition the server checks: the new ETag, or null when the condition
   * does not hold — 412 (If-None-Match found an object, If-Match another version), 404 (If-Match
   * on a key now gone) or 409 (S3's ConditionalRequestConflict, another conditional write at the
   * same moment).
   */
  async #conditionalPut(name: string, data: Buffer, condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<string | null> {
    const key = this.#key(name)
    try {
      const answer = await this.#request((abortSignal) => this.#client.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentType: 'application/octet-stream',
        ...condition,
      }), { abortSignal }))
      return answer.ETag ?? (await this.readVersioned(name))?.version ?? null
    } catch (err) {
      const { name: errorName, status } = describeFailure(err)
      if (status === 412 || status === 409 || (status === 404 && errorName !== 'NoSuchBucket')) return null
      throw this.#error('write', key, err)
    }
  }

  /** Without server-side conditions: write, then keep the write only if reading it back gives our bytes. */
  async #writeAndReadBack(name: string, data: Buffer): Promise<string | null> {
    await this.write(name, data)
    const stored = await this.readVersioned(name)
    return stored !== null && stored.data.equals(data) ? stored.version : null
  }

  /** One request, aborted at the deadline. */
  #request<T>(send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withinDeadline(this.#deadline, send, () => new SessionStoreError('STORE_UNAVAILABLE', `cannot reach ${this.describe()}: no answer from S3 within ${this.#deadline.ms / 1000} s`))
  }

  #key(name: string): string {
    assertSiblingName(name)
    return this.key + name
  }

  #error(operation: string, key: string, err: unknown): SessionStoreError {
    // Already ours: a request past its deadline.
    if (err instanceof SessionStoreError) return err
    const { name, status, errno } = describeFailure(err)
    const code = classify(name, status, errno)
    const facts = [name === 'Error' ? undefined : name, status === undefined ? undefined : `HTTP ${status}`, errno]
    const reason = [HINTS[code], ...facts].filter((part) => part !== undefined).join(', ')
    return new SessionStoreError(code, `cannot ${operation} session object s3://${this.bucket}/${key}: ${reason}`, { cause: err })
  }
}

interface FailureFacts {
  name: string | undefined
  status: number | undefined
  errno: string | undefined
}

function describeFailure(err: unknown): FailureFacts {
  if (typeof err !== 'object' || err === null) return { name: undefined, status: undefined, errno: undefined }
  const record = err as { name?: unknown, code?: unknown, $metadata?: { httpStatusCode?: unknown } }
  const status = record.$metadata?.httpStatusCode
  return {
    name: typeof record.name === 'string' ? record.name : undefined,
    status: typeof status === 'number' ? status : undefined,
    errno: typeof record.code === 'string' ? record.code : undefined,
  }
}

/** GetObject on a missing key answers NoSuchKey; a 404 from a bucket that does not exist is an error. */
function isMissingObject(err: unknown): boolean {
  const { name, status } = describeFailure(err)
  if (name === 'NoSuchKey') return true
  return status === 404 && name !== 'NoSuchBucket'
}

const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])
const DENIED_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError'])

const HINTS: Partial<Record<SessionStoreErrorCode, string>> = {
  STORE_UNAVAILABLE: 'S3 unreachable',
  STORE_ACCESS_DENIED: 'access denied',
  STORE_NOT_FOUND: 'no such bucket',
}

function classify(name: string | undefined, status: number | undefined, errno: string | undefined): SessionStoreErrorCode {
  if (name === 'NoSuchBucket') return 'STORE_NOT_FOUND'
  if ((name !== undefined && DENIED_NAMES.has(name)) || status === 401 || status === 403) return 'STORE_ACCESS_DENIED'
  if ((errno !== undefined && NETWORK_ERRNOS.has(errno)) || name === 'TimeoutError' || (status !== undefined && status >= 500)) {
    return 'STORE_UNAVAILABLE'
  }
  return 'STORE_FAILED'
}

/**
 * The S3 client, configured the AWS SDK's standard way (region, credentials and endpoint from
 * the environment and the shared config files). A custom endpoint — MinIO, R2, a local S3 —
 * gets path-style addressing, since those rarely serve bucket subdomains.
 */
export function createS3Client(env: NodeJS.ProcessEnv, deadlineMs: number = SESSION_LEASE_TIMING.storeDeadlineMs): S3Client {
  const endpoint = parseS3Endpoint(env)
  // Each attempt is bounded too (the SDK retries within the call's deadline), and its socket
  // closed when it is exceeded.
  const options: S3ClientConfig = { requestHandler: { connectionTimeout: deadlineMs, requestTimeout: deadlineMs, throwOnRequestTimeout: true } }
  if (endpoint !== null) {
    options.endpoint = endpoint
    options.forcePathStyle = true
    // S3-compatible servers ignore the region but the request signer needs one.
    options.region = env.AWS_REGION || 'us-east-1'
  } else if (env.AWS_REGION) {
    options.region = env.AWS_REGION
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    options.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    }
  }
  return new S3Client(options)
}
