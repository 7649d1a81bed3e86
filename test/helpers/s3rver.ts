/**
 * An S3 server for tests: s3rver on 127.0.0.1, port 0, over a fresh temporary directory, with
 * a client configured for it. `close` stops the server and removes the directory.
 *
 * S3 replaces an object atomically: a read that meets a write gets the old object or the new
 * one. s3rver writes an object's file in place and its length beside it, so a read during a
 * write can be cut short (the client sees the connection reset). It is given that atomicity
 * here by answering one request at a time, each until its response is out.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'

interface KoaContext {
  res: import('node:http').ServerResponse
}
interface S3rverInstance {
  run(): Promise<{ address: string, port: number }>
  close(): Promise<void>
  /** Koa's middleware list, composed when the server starts. */
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor

/** s3rver accepts these and only these credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface S3rverHandle {
  /** http://127.0.0.1:<port> */
  endpoint: string
  client: S3Client
  close(): Promise<void>
}

export async function startS3rver(buckets: string[]): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) })
  server.middleware.unshift(oneAtATime())
  let port: number
  try {
    ;({ port } = await server.run())
  } catch (err) {
    await rm(directory, { recursive: true, force: true })
    throw err
  }
  const endpoint = `http://127.0.0.1:${port}`
  const client = s3Client(endpoint)
  return {
    endpoint,
    client,
    async close() {
      client.destroy()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/** A client for an S3 server at `endpoint` that speaks path-style, as s3rver requires. */
export function s3Client(endpoint: string, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, ...options })
}

/** Koa middleware that lets one request in at a time and the next once the response is sent. */
function oneAtATime(): (ctx: KoaContext, next: () => Promise<void>) => Promise<void> {
  let turn: Promise<void> = Promise.resolve()
  return async (ctx, next) => {
    const before = turn
    let done!: () => void
    turn = new Promise((resolve) => { done = resolve })
    // A response is out when it has finished, or its connection closed first.
    ctx.res.once('finish', done).once('close', done)
    await before
    await next()
  }
}
