/**
 * Opens the store SESSION_URL names (docs/spec.md §2): a local file or an S3 object. The AWS SDK is
 * loaded only for an s3:// URL: it is a large module graph, and a service whose session is in a
 * file would pay for it at every start.
 */
import type { SessionUrl } from '../config.ts'
import type { BlobStore, WrittenAt } from './blob-store.ts'
import type { LeaseStore } from './lease-store.ts'
import { FileStore } from './file-store.ts'

export async function openStore(sessionUrl: SessionUrl, env: NodeJS.ProcessEnv): Promise<BlobStore & LeaseStore & WrittenAt> {
  switch (sessionUrl.scheme) {
    case 'file':
      return new FileStore(sessionUrl.path)
    case 's3': {
      const { S3Store, createS3Client } = await import('./s3-store.ts')
      return new S3Store({ bucket: sessionUrl.bucket, key: sessionUrl.key, client: createS3Client(env) })
    }
  }
}
