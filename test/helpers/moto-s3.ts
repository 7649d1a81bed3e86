/**
 * An S3 server that enforces conditional writes for tests: moto's server (PyPI `moto[server]`,
 * installed by .ci/run) on 127.0.0.1, port 0, in its own process. Its S3 answers PutObject and
 * DeleteObject with If-None-Match: * / If-Match: <ETag> as AWS S3 does — 412
 * PreconditionFailed when the condition does not hold, 404 NoSuchKey for If-Match on a missing
 * key — and checks each condition atomically with the write, under requests that race.
 * `close` stops the process (its state lives in memory only).
 */
import { spawn } from 'node:child_process'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'
import { s3Client } from './s3rver.ts'

export interface MotoS3Handle {
  /** http://127.0.0.1:<port> */
  endpoint: string
  client: S3Client
  close(): Promise<void>
}

const STARTUP_TIMEOUT_MS = 30_000

export async function startMotoS3(buckets: string[]): Promise<MotoS3Handle> {
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let output = ''
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto's server did not start in time:\n${output}`)), STARTUP_TIMEOUT_MS)
    const look = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      const started = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (started === null) return
      clearTimeout(timer)
      resolve(started[1]!)
    }
    child.stdout.on('data', look)
    child.stderr.on('data', look)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`cannot start moto's server (python3 -m moto.server; .ci/run installs moto[server]): ${err.message}`))
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`moto's server exited with ${code} (python3 -m moto.server; .ci/run installs moto[server]):\n${output}`))
    })
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL')
    await exited
    throw err
  })
  // Its request log would fill the pipe otherwise.
  child.stdout.resume()
  child.stderr.resume()
  const client = s3Client(endpoint)
  for (const bucket of buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return {
    endpoint,
    client,
    async close() {
      client.destroy()
      child.kill('SIGTERM')
      await exited
    },
  }
}
