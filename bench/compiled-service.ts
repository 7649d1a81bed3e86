/**
 * The service as production starts it, `node dist/main.js` (built first when stale), in a process of
 * its own against the bench's emulator process, signed in with a session in a file.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Dc } from './bench-emulator.ts'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** Builds dist/ (`npm run build`: the bundle) unless it is newer than every source. */
export { ensureCompiledBuild as buildDist } from '../test/helpers/compiled-build.ts'

/** One GET /health; null while nothing listens yet. */
export function health(port: number): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', () => resolve(null))
    req.end()
  })
}

/** The environment of a service on 127.0.0.1:`port` (nothing from the bench's own shell but PATH and HOME). */
export function serviceEnv(port: number, env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), SESSION_LOCK_WAIT: '0', ...env }
}

export interface ServiceProcess {
  child: ChildProcess
  /** The first /health answer. */
  answer: { status: number; body: string }
  exited: Promise<number | null>
  stderr(): string
}

/** Spawns `node <args>` and polls /health until it answers; throws when the process exits first. */
export async function startService(name: string, args: string[], env: Record<string, string>, port: number): Promise<ServiceProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let gone = false
  void exited.then(() => (gone = true))
  let answer: { status: number; body: string } | null = null
  while (answer === null) {
    if (gone) throw new Error(`${name}: the service exited before answering /health\n${stderr}`)
    answer = await health(port)
    if (answer === null) await new Promise((resolve) => setTimeout(resolve, 2))
  }
  return { child, answer, exited, stderr: () => stderr }
}

/** The variables that point the service at the bench's emulator (its public key written into `directory`). */
export async function telegramEnv(dc: Dc, directory: string): Promise<Record<string, string>> {
  const publicKey = join(directory, 'emulator.pem')
  await writeFile(publicKey, dc.publicKeyPem)
  return { API_ID: '1', API_HASH: 'bench', TELEGRAM_DC: `${dc.host}:${dc.port}`, TELEGRAM_PUBLIC_KEY: publicKey }
}
