import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'
import { acquireLease } from '../../src/sessions/lease.ts'
import { S3Store } from '../../src/sessions/s3-store.ts'
import { T0, leaseContract, leaseOptions, locked, recordingLog, storedLease } from '../helpers/lease-contract.ts'
import { startConditionalProxy } from '../helpers/conditional-s3-proxy.ts'
import type { ConditionalProxy } from '../helpers/conditional-s3-proxy.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { startMotoS3 } from '../helpers/moto-s3.ts'
import type { MotoS3Handle } from '../helpers/moto-s3.ts'
import { s3Client, startS3rver } from '../helpers/s3rver.ts'
import type { S3rverHandle } from '../helpers/s3rver.ts'

const BUCKET = 'sessions'

describe('session lease in S3', () => {
  let s3rver: S3rverHandle | undefined
  let moto: MotoS3Handle | undefined
  let proxy: ConditionalProxy | undefined
  let proxied: S3Client | undefined
  let counter = 0
  before(async () => {
    ;[s3rver, moto] = await Promise.all([startS3rver([BUCKET]), startMotoS3([BUCKET])])
    proxy = await startConditionalProxy(moto.endpoint)
    proxied = s3Client(proxy.endpoint)
  })
  after(async () => {
    proxied?.destroy()
    await proxy?.close()
    await moto?.close()
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

  describe('on a server that enforces conditional writes (moto)', () => {
    // Through the proxy that gives conditional writes which meet S3's 409: moto checks a
    // condition and writes in two steps, so two racing writes can both pass its check, where S3
    // lets one win. The races below would then test moto, not the lease.
    leaseContract(() => new S3Store({ bucket: BUCKET, key: freshKey(), client: proxied! }), { enforced: true })

    test('the store finds that conditions are enforced, the lease does not warn, and the probe object is removed', async () => {
      const key = freshKey()
      const store = new S3Store({ bucket: BUCKET, key, client: moto!.client })
      assert.equal(await store.enforcesConditions(), true)
      const log = recordingLog()
      const lease = await acquireLease(store, leaseOptions('instance-a', new ManualClock(T0), { log }))
      assert.deepEqual(log.entries.filter((entry) => entry.level === 'warn'), [])
      const listed = await moto!.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }))
      assert.deepEqual(listed.Contents?.map((object) => object.Key), [`${key}.lock`])
      const stored = await moto!.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${key}.lock` }))
      assert.equal(JSON.parse(await stored.Body!.transformToString()).holder, 'instance-a')
      await lease.release()
    })
  })

  describe('behind a proxy that answers a conditional write meeting another in progress with 409, as S3 does', () => {
    test('the write that meets a conflict loses without an error, and exactly one instance takes the lease', async () => {
      const store = new S3Store({ bucket: BUCKET, key: freshKey(), client: proxied! })
      assert.equal(await store.enforcesConditions(), true)
      const held = proxy!.holdNextConditionalWrite()
      const clock = new ManualClock(T0)
      const first = acquireLease(store, leaseOptions('instance-a', clock))
      await held.arrived
      // Instance A's create is in progress; every conditional write B makes meanwhile meets it.
      const conflictsBefore = proxy!.conflicts
      const second = await locked(acquireLease(store, leaseOptions('instance-b', clock)))
      assert.equal(second.code, 'SESSION_LOCKED')
      assert.ok(proxy!.conflicts > conflictsBefore, 'instance B met 409 ConditionalRequestConflict')
      held.release()
      const lease = await first
      assert.equal((await storedLease(store))?.holder, 'instance-a')
      await lease.release()
    })
  })
})
