import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { mtcuteClientFor } from './helpers/emulator-client.ts'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

test('npm run emulator prints its address and key file, and a client signs in with the printed code', async (t) => {
  // Torn down in reverse of their making: the client, then the emulator, then its directory.
  const cleanups: (() => unknown)[] = []
  const later = (cleanup: () => unknown): void => void cleanups.unshift(cleanup)
  t.after(async () => {
    for (const cleanup of cleanups) await cleanup()
  })
  const dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'))
  later(() => rm(dir, { recursive: true, force: true }))
  const pem = join(dir, 'emulator.pem')
  const privateKey = join(dir, 'server-key.pem')
  const child = spawn(process.execPath, [cli, '--port', '0', '--public-key-out', pem, '--private-key', privateKey, '--channels', '2', '--messages', '30', '--code', '24680'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  later(() => child.kill('SIGTERM'))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const banner: string[] = []
  for (let i = 0; i < 5; i++) banner.push((await lines.next()).value as string)
  const address = /listening on (\S+):(\d+) \(DC (\d+)\)/.exec(banner[0]!)
  assert.ok(address, banner[0])
  assert.match(banner.join('\n'), /code 24680/)
  assert.match(banner.join('\n'), new RegExp(`TELEGRAM_DC=127\\.0\\.0\\.1:${address[2]}`))
  assert.equal((await stat(privateKey)).mode & 0o777, 0o600)

  const publicKeyPem = await readFile(pem, 'utf8')
  assert.match(publicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----/)
  const tg = mtcuteClientFor({ host: address[1]!, port: Number(address[2]), dcId: Number(address[3]), publicKeyPem })
  later(() => tg.destroy())
  const sent = await tg.sendCode({ phone: '+15550102030' })
  assert.ok('phoneCodeHash' in sent)
  const user = await tg.signIn({ phone: '+15550102030', phoneCodeHash: sent.phoneCodeHash, phoneCode: '24680' })
  assert.equal(user.isSelf, true)
})

test('the emulator command rejects a bad option with its usage', async () => {
  const child = spawn(process.execPath, [cli, '--port', 'eighty'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  assert.equal(code, 2)
  assert.match(stderr, /--port must be an integer/)
  assert.match(stderr, /usage: npm run emulator/)
})

test('--rate is repeatable and printed with the flood semantics; a malformed one, or an unknown semantics, is refused with its usage', async () => {
  const good = spawn(process.execPath, [cli, '--port', '0', '--rate', 'messages.getHistory:30:1:15', '--rate', '*:50:2:10', '--extend-early-waits', '--flood-refill', 'after-wait', '--flood-wait-length', 'growing', '--rate-change', '60:messages.getHistory:30:0.5:15'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const lines = createInterface({ input: good.stdout })[Symbol.asyncIterator]()
    const banner: string[] = []
    while (!banner.some((line) => line.includes('flood control'))) banner.push((await lines.next()).value as string)
    assert.match(banner.at(-1)!, /flood control: messages\.getHistory 30 at once then 1\/s, past that a 15 s wait; \* 50 at once then 2\/s, past that a 10 s wait; refill after-wait, early calls extend, waits growing/)
  } finally {
    good.kill('SIGTERM')
  }
  const bad = spawn(process.execPath, [cli, '--rate', 'messages.getHistory:30:1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  bad.stderr.on('data', (d) => (stderr += d))
  assert.equal(await new Promise<number | null>((resolve) => bad.on('exit', resolve)), 2)
  assert.match(stderr, /--rate must be METHOD:BURST:PER_SECOND:PENALTY_SECONDS/)
  const unknown = spawn(process.execPath, [cli, '--flood-refill', 'sometimes'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let unknownErr = ''
  unknown.stderr.on('data', (d) => (unknownErr += d))
  assert.equal(await new Promise<number | null>((resolve) => unknown.on('exit', resolve)), 2)
  assert.match(unknownErr, /refill must be one of during-wait, after-wait/)
})
