/**
 * The session in an S3 object (SESSION_URL=s3://<bucket>/<key>). Sibling objects are keys that
 * append to the key: `sessions/prod`, `sessions/prod.lock`, `sessions/prod.sandbox`.
 *
 * A PutObject replaces the whole object at once (S3 never exposes a partly written object),
 * which gives the store its atomic writes. Errors are reported with the S3 error name and the
 * HTTP status only: S3 error objects can carry request ids and access key ids we do not log.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { parseS3Endpoint } from '../config.ts'
import { assertSiblingName } from './blob-store.ts'
import type { BlobStore } from './blob-store.ts'
import { SessionStoreError } from './session-store-error.ts'
import type { SessionStoreErrorCode } from './session-store-error.ts'

export interface S3StoreOptions {
  bucket: string
  key: string
  client: S3Client
}

export class S3Store implements BlobStore {
  readonly bucket: string
  readonly key: string
  readonly #client: S3Client

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket
    this.key = options.key
    this.#client = options.client
  }

  describe(): string {
    return `s3://${this.bucket}/${this.key}`
  }

  async read(name = ''): Promise<Buffer | null> {
    const key = this.#key(name)
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      if (answer.Body === undefined) return Buffer.alloc(0)
      return Buffer.from(await answer.Body.transformToByteArray())
    } catch (err) {
      if (isMissingObject(err)) return null
      throw this.#error('read', key, err)
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    const key = this.#key(name)
    try {
      await this.#client.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentType: 'application/octet-stream',
      }))
    } catch (err) {
      throw this.#error('write', key, err)
    }
  }

  async remove(name: string): Promise<void> {
    const key = this.#key(name)
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
    } catch (err) {
      if (isMissingObject(err)) return
      throw this.#error('remove', key, err)
    }
  }

  #key(name: string): string {
    assertSiblingName(name)
    return this.key + name
  }

  #error(operation: string, key: string, err: unknown): SessionStoreError {
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
export function createS3Client(env: NodeJS.ProcessEnv): S3Client {
  const endpoint = parseS3Endpoint(env)
  const options: S3ClientConfig = {}
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
