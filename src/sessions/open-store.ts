/** Opens the store SESSION_URL names (SPEC §2): a local file or an S3 object. */
import type { SessionUrl } from '../config.ts'
import type { BlobStore } from './blob-store.ts'
import type { LeaseStore } from './lease-store.ts'
import { FileStore } from './file-store.ts'
import { S3Store, createS3Client } from './s3-store.ts'

export function openStore(sessionUrl: SessionUrl, env: NodeJS.ProcessEnv): BlobStore & LeaseStore {
  switch (sessionUrl.scheme) {
    case 'file':
      return new FileStore(sessionUrl.path)
    case 's3':
      return new S3Store({ bucket: sessionUrl.bucket, key: sessionUrl.key, client: createS3Client(env) })
  }
}
