import { test } from 'node:test'
import assert from 'node:assert/strict'
import { signIn, startService } from '../helpers/service.ts'

test('a phone and the code sign in over HTTP, and /health reports it', async (t) => {
  const service = await startService()
  t.after(() => service.close())
  const first = await signIn(service.url, { phone: '+1234567890' })
  assert.equal(first.status, 206)
  assert.equal((await first.json()).next, 'code')
  const second = await signIn(service.url, { phone: '+1234567890', password: service.emulator.lastCode('+1234567890') })
  assert.equal(second.status, 200)
  assert.equal(await second.text(), '')
  const health = await (await fetch(`${service.url}/health`)).json()
  assert.deepEqual(health, { status: 'ok', authorized: true, telegram: 'connected', sandbox: false })
  const again = await signIn(service.url, { phone: '+1234567890' })
  assert.equal(again.status, 200)
})
