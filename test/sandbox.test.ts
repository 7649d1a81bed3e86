/**
 * Sandbox mode (docs/spec.md §2): the in-process emulator keeps every DC's auth keys beside the
 * session, and a restarted sandbox — on new ports — still serves a session homed on DC 4; its
 * demo account accepts QR codes by itself (on the injected clock).
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { SANDBOX_DEMO_PHONE, SANDBOX_QR_ACCEPT_MS, SANDBOX_TWO_STEP, startSandbox } from '../src/sandbox/sandbox.ts'
import { FileStore } from '../src/sessions/file-store.ts'
import { TelegramGateway } from '../src/telegram/gateway.ts'
import { teardown } from './helpers/teardown.ts'

/** A session store in a temporary directory, removed when the test ends, and a silent log. */
async function sandboxStore(t: TestContext, prefix: string): Promise<{ later: ReturnType<typeof teardown>, store: FileStore, log: Logger }> {
  const later = teardown(t)
  const dir = await mkdtemp(join(tmpdir(), prefix))
  later(() => rm(dir, { recursive: true, force: true }))
  return { later, store: new FileStore(join(dir, 'session')), log: pino({ level: 'silent' }) }
}

test('a session homed on DC 4 survives a sandbox restart on new ports', async (t) => {
  const { later, store, log } = await sandboxStore(t, 'sandbox-')
  const phone = '+999 66 4 7001'

  let sandbox = await startSandbox({ store, log })
  let gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  await gateway.signIn({ phone })
  assert.deepEqual(await gateway.signIn({ phone, code: sandbox.code }), { done: true })
  const firstPort = sandbox.emulator.dc(4).port
  await gateway.close()
  await sandbox.stop()

  sandbox = await startSandbox({ store, log })
  later(() => sandbox.stop())
  assert.notEqual(sandbox.emulator.dc(4).port, firstPort)
  gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  later(() => gateway.close())
  assert.equal(gateway.status().authorized, true)
  const window = { startMs: Date.now() - 7 * 86_400_000, endMs: Date.now() }
  const first = await gateway.channelMessages(window).next()
  assert.equal(first.done, false)
})

test("the account's joins and leaves survive a sandbox restart", async (t) => {
  const { later, store, log } = await sandboxStore(t, 'sandbox-')
  const phone = '+1 555 010 7002'
  const listed = async (gateway: TelegramGateway): Promise<number[]> => {
    const ids: number[] = []
    for await (const channel of gateway.channels()) ids.push(channel.id)
    return ids.sort()
  }

  let sandbox = await startSandbox({ store, log })
  let gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  await gateway.signIn({ phone })
  await gateway.signIn({ phone, code: sandbox.code })
  const invite = [...sandbox.emulator.world.invites.values()].find((i) => i.kind === 'open')!
  const joined = await gateway.joinChannel({ kind: 'invite', hash: invite.hash })
  assert.equal(joined.joined, true)
  const [left] = await listed(gateway)
  await gateway.leaveChannel({ kind: 'id', id: left!, written: String(left) })
  const before = await listed(gateway)
  assert.ok(before.includes(invite.channelId) && !before.includes(left!))
  await gateway.close()
  await sandbox.stop()

  sandbox = await startSandbox({ store, log })
  later(() => sandbox.stop())
  gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  later(() => gateway.close())
  assert.deepEqual(await listed(gateway), before)
})

test('in the sandbox the demo account accepts a QR code 3 seconds after it is issued', async (t) => {
  const { later, store, log } = await sandboxStore(t, 'sandbox-qr-')
  let now = Date.now()
  const sandbox = await startSandbox({ store, log, clock: () => now })
  later(() => sandbox.stop())
  const gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  later(() => gateway.close())

  const first = await gateway.signInQr()
  assert.equal(first.done === false && first.next, 'scan')
  now += SANDBOX_QR_ACCEPT_MS - 1
  assert.deepEqual(await gateway.signInQr(), first, 'not yet: the same code')
  now += 1
  assert.deepEqual(await gateway.signInQr(), { done: true })
  const me = await gateway.me()
  assert.equal(sandbox.emulator.accounts.homeDc(SANDBOX_DEMO_PHONE), 2)
  assert.equal(me.lastName, `User ${SANDBOX_DEMO_PHONE.slice(-4)}`)
})

test('the demo number with two-step verification signs in with the code, then its documented password', async (t) => {
  const { later, store, log } = await sandboxStore(t, 'sandbox-')
  const sandbox = await startSandbox({ store, log, postEveryMs: 0 })
  later(() => sandbox.stop())
  const gateway = await TelegramGateway.open({ store, telegram: sandbox.telegram, log })
  later(() => gateway.close())
  const { phone, password, hint } = SANDBOX_TWO_STEP
  await gateway.signIn({ phone })
  assert.deepEqual(await gateway.signIn({ phone, code: sandbox.code }), { done: false, next: 'two_factor_password', hint })
  await assert.rejects(gateway.signIn({ phone, twoFactorPassword: 'not it' }), (err: Error & { code?: string }) => err.code === 'PASSWORD_HASH_INVALID')
  assert.deepEqual(await gateway.signIn({ phone, twoFactorPassword: password }), { done: true })
  assert.equal(gateway.status().authorized, true)
})
