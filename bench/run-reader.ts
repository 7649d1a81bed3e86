/**
 * One reader in a fresh process (bench/read-with-*.ts), so its peak RSS is its own; it prints
 * {messages, bytes, ms, maxRssMiB} as its last line.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Dc } from './bench-emulator.ts'

export interface ReaderResult { messages: number; bytes: number; ms: number; maxRssMiB: number }

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

export function runReader(script: string, env: Record<string, string>): Promise<ReaderResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here(script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ReaderResult) : reject(new Error(`${script} exited ${code}`))))
  })
}

/** The window every scenario reads: the whole week, and a minute more. */
export function benchWindow(dc: Dc): { startIso: string; endIso: string } {
  return { startIso: new Date((dc.now - 7 * 86_400 - 60) * 1000).toISOString(), endIso: new Date(dc.now * 1000).toISOString() }
}

/** What a reader needs: the DC, the session, and the window. */
export function windowEnv(dc: Dc, session: string): Record<string, string> {
  return { BENCH_DC: JSON.stringify(dc), BENCH_RUN: JSON.stringify({ session, ...benchWindow(dc) }) }
}
