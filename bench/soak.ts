/**
 * The `soak` scenario: N GET /messages/live subscribers for M minutes (real time), the whole
 * service and an emulator pushing edits as fast as every subscriber reads them, in a process of
 * its own run with --expose-gc (test/helpers/live-soak.ts). It reports the heap after a full GC
 * over time: flat is the goal (a live stream that has run for an hour holds no more than one
 * that has run a minute).
 *
 *   BENCH_SOAK_SUBSCRIBERS (50), BENCH_SOAK_MINUTES (2), BENCH_SOAK_SAMPLES (8)
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export async function benchSoak(): Promise<void> {
  const subscribers = Number(process.env.BENCH_SOAK_SUBSCRIBERS ?? 50)
  const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 2)
  const samples = Number(process.env.BENCH_SOAK_SAMPLES ?? 8)
  console.log(`soak: ${subscribers} live subscribers for ${minutes} min, heap after GC over time`)
  const child = spawn(process.execPath, ['--expose-gc', 'test/helpers/live-soak.ts', String(subscribers), '0', String(samples), String(minutes)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const heaps: number[] = []
  for await (const line of createInterface({ input: child.stdout })) {
    const sample = JSON.parse(line) as { events: number; heapMiB: number; ms: number }
    heaps.push(sample.heapMiB)
    console.log(`  ${(sample.ms / 1000).toFixed(0).padStart(5)} s  ${String(sample.events).padStart(7)} events per subscriber  heap ${sample.heapMiB.toFixed(1)} MiB`)
  }
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0 || heaps.length < 2) throw new Error(`the soak process exited with ${code}`)
  const growth = heaps.at(-1)! - heaps[0]!
  console.log(`  first → last sample: ${heaps[0]!.toFixed(1)} → ${heaps.at(-1)!.toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB; goal: flat within 5 MiB: ${Math.abs(growth) <= 5 ? 'met' : 'MISSED'})`)
}
