/**
 * The service's own entry points run as real processes, for tests of what only a process
 * shows: exit codes, signals, start-up refusals, files left behind. They run compiled
 * (`node dist/<entry>.js`, as the image runs them; test/helpers/compiled-build.ts keeps dist/
 * fresh), which starts several times faster than from source; `runScript` runs a source file
 * as it is (Node strips the types), as `npm start` does, for the tests whose subject is that. The environment is
 * built from scratch (PATH and HOME only, plus what the test gives), so nothing from the
 * developer's shell leaks in. `stop()` kills a child still running, by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ScriptRun {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>
  /** Resolves when stdout (or stderr) matches `pattern`; rejects when the process exits first or `ms` pass. */
  waitFor(pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<void>
  signal(signal: NodeJS.Signals): void
  /** SIGKILL if still running, then waits for the exit. */
  stop(): Promise<void>
}

/**
 * How long `waitFor` waits by default. Not a budget for the start-up (a loaded machine may
 * take many seconds to start a process, and a process that fails exits, which `waitFor` sees
 * at once): a backstop that ends a hung child with its output, inside the test's own timeout.
 */
const WAIT_BACKSTOP_MS = 90_000

/** `node dist/<entry> <args>`, the compiled build, e.g. `runCompiled('session-cli.js', ['show'], env)`. */
export function runCompiled(entry: string, args: string[], env: Record<string, string>, input?: string): ScriptRun {
  return runNode([`dist/${entry}`, ...args], env, input)
}

/** A TypeScript source file run by Node as it is, as `npm start` runs it; `nodeArgs` go before the script. */
export function runScript(script: string, env: Record<string, string>, input?: string, nodeArgs: string[] = []): ScriptRun {
  return runNode([...nodeArgs, script], env, input)
}

/** `node <args>` from the repository root, e.g. `['dist/main.js']`. */
export function runNode(args: string[], env: Record<string, string>, input?: string): ScriptRun {
  const script = args.join(' ')
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  if (input === undefined) child.stdin!.end()
  else child.stdin!.end(input)
  return track(child, script)
}

/**
 * `node <args>` on a pseudo-terminal of its own, through util-linux `script(1)`: the process sees
 * a TTY on stdin and stdout (as a person's shell gives it) while the test reads what it draws
 * and types into it with `type`. stderr arrives merged into stdout, as on a terminal.
 */
export function runInTerminal(args: string[], env: Record<string, string>): ScriptRun & { type(text: string): void } {
  const script = args.join(' ')
  const command = [process.execPath, ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return Object.assign(track(child, script), { type: (text: string) => void child.stdin!.write(text) })
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

function track(child: ChildProcess, script: string): ScriptRun {
  const out: string[] = []
  const err: string[] = []
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of listeners) listener()
  }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out.push(chunk)
    notify()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err.push(chunk)
    notify()
  })
  let exitedNow = false
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      exitedNow = true
      notify()
      resolve({ code, signal })
    })
  })
  const run: ScriptRun = {
    child,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    exited,
    waitFor(pattern, ms = WAIT_BACKSTOP_MS, stream = 'stdout') {
      const text = (): string => (stream === 'stdout' ? run.stdout() : run.stderr())
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(text())) {
            done()
            resolve()
          } else if (exitedNow) {
            done()
            reject(new Error(`${script} exited before ${pattern} appeared\nstdout: ${run.stdout().slice(-2000)}\nstderr: ${run.stderr().slice(-2000)}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${pattern} did not appear within ${ms} ms\nstdout: ${run.stdout().slice(-2000)}\nstderr: ${run.stderr().slice(-2000)}`))
        }, ms)
        const done = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    signal(signal) {
      child.kill(signal)
    },
    async stop() {
      if (!exitedNow) child.kill('SIGKILL')
      await exited
    },
  }
  return run
}

/** A TCP port free on 127.0.0.1 right now: the service reads PORT and cannot be given 0. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The pino JSON lines of a process's output. */
export function logLines(text: string): Array<Record<string, unknown> & { level: number, msg?: string }> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { level: number, msg?: string })
}
