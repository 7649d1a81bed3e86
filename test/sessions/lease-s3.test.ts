import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'
import { acquireLease } from '../../src/sessions/lease.ts'
import { S3Store } from '../../src/sessions/s3-store.ts'
import { T0, leaseContract, leaseOptions, recordingLog } from '../helpers/lease-contract.ts'
import { startConditionalProxy } from '../helpers/conditional-s3-proxy.ts'
import type { ConditionalProxy } from '../helpers/conditional-s3-proxy.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { s3Client, startS3rver } from '../helpers/s3rver.ts'
import type { S3rverHandle } from '../helpers/s3rver.ts'

const BUCKET = 'sessions'

describe('session lease in S3', () => {
  let s3rver: S3rverHandle | undefined
  let proxy: ConditionalProxy | undefined
  let proxied: S3Client | undefined
  let counter = 0
  before(async () => {
    s3rver = await startS3rver([BUCKET])
    proxy = await startConditionalProxy(s3rver.endpoint)
    proxied = s3Client(proxy.endpoint)
  })
  after(async () => {
    proxied?.destroy()
    await proxy?.close()
    await s3rver?.close()
  })
  const freshKey = (): string => `tenants/case-${++counter}/session`

  describe('on a server that ignores conditional writes (s3rver)', () => {
    leaseContract(() => new S3Store({ bucket: BUCKET, key: freshKey(), client: s3rver!.client }), { enforced: false })

    test('the store finds that conditions are not enforced, and the lease warns that exclusivity is not guaranteed', async () => {
      const store = new S3Store({ bucket: BUCKET, key: freshKey(), client: s3rver!.client })
      assert.equal(await store.enforcesConditions(), false)
      const log = recordingLog()
      const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0), { log }))
      const warning = log.entries.find((entry) => entry.level === 'warn')
      assert.deepEqual(warning?.obj, { store: store.describe() })
      assert.match(warning?.msg ?? '', /does not enforce conditional writes/)
      await lease.release()
    })
  })

  describe('on a server that enforces conditional writes', () => {
    leaseContract(() => new S3Store({ bucket: BUCKET, key: freshKey(), client: proxied! }), { enforced: true })

    test('the store finds that conditions are enforced, the lease does not warn, and the probe object is removed', async () => {
      const key = freshKey()
      const store = new S3Store({ bucket: BUCKET, key, client: proxied! })
      assert.equal(await store.enforcesConditions(), true)
      const log = recordingLog()
      const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0), { log }))
      assert.deepEqual(log.entries.filter((entry) => entry.level === 'warn'), [])
      const listed = await proxied!.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }))
      assert.deepEqual(listed.Contents?.map((object) => object.Key), [`${key}.lock`])
      const stored = await proxied!.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${key}.lock` }))
      assert.equal(JSON.parse(await stored.Body!.transformToString()).holder, 'instance-a')
      await lease.release()
    })
  })
})
