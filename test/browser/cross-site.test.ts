/**
 * A page on another origin — another loopback port, as a site the user visits could reach the
 * service on their machine — tries every way a browser lets it send a state change without
 * reading the answer: no-cors fetch (JSON, text/plain, no body), form posts (urlencoded,
 * multipart, text/plain), and DELETE. Each reaches the service, which refuses it; the account
 * is still signed in with its channels unchanged. A page whose name rebinds to 127.0.0.1 on
 * the service's own port is refused for its Host.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { startService, signInWithCode, type Service } from '../helpers/service.ts'
import { launchBrowser, servePages, type PageServer } from '../helpers/browser.ts'
import { waitUntil } from '../helpers/wait-until.ts'

let service: Service
let attacker: PageServer
let browser: Browser

/** The attacks, each one request; `target` is the service's origin as the page names it. */
function attackPage(target: string): string {
  const join = JSON.stringify({ username: 'canal_x' })
  return `<!doctype html><body><script>
  const target = ${JSON.stringify(target)};
  const sent = [];
  const forms = [];
  function form(action, enctype, fields, method) {
    const frame = document.createElement('iframe'); frame.name = 'f' + forms.length; document.body.append(frame);
    const f = document.createElement('form'); f.method = method || 'POST'; f.action = target + action; f.enctype = enctype; f.target = frame.name;
    for (const [k, v] of Object.entries(fields)) { const i = document.createElement('input'); i.name = k; i.value = v; f.append(i) }
    document.body.append(f); forms.push(f);
  }
  async function run() {
    const attempts = [
      () => fetch(target + '/sign_out', { method: 'POST', mode: 'no-cors' }),
      () => fetch(target + '/sign_out', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }),
      () => fetch(target + '/sign_in/qr', { method: 'POST', mode: 'no-cors' }),
      () => fetch(target + '/sign_in', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ phone: '+15550000000' }) }),
      () => fetch(target + '/channels', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(join)} }),
      () => fetch(target + '/channels', { method: 'POST', mode: 'cors', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(join)} }),
      () => fetch(target + '/channels/1', { method: 'DELETE', mode: 'cors' }),
      () => navigator.sendBeacon(target + '/sign_out', new Blob(['{}'], { type: 'text/plain' })),
    ];
    for (const attempt of attempts) { try { await attempt(); sent.push('ok') } catch (e) { sent.push(String(e)) } }
    form('/sign_out', 'application/x-www-form-urlencoded', {});
    form('/sign_out', 'text/plain', { '{"a":"': '"}' });
    form('/channels', 'multipart/form-data', { username: 'canal_x' });
    form('/sign_in', 'application/x-www-form-urlencoded', { phone: '+15550000000' });
    const loaded = forms.map((f) => new Promise((resolve) => document.querySelector('iframe[name=' + f.target + ']').addEventListener('load', resolve)));
    for (const f of forms) f.submit();
    await Promise.all(loaded);
    window.done = sent;
  }
  run();
</script></body>`
}

before(async () => {
  service = await startService({ emulator: { world: { seed: 9, channels: 3, messagesPerChannel: 5, discoverableChannels: 2, spanSeconds: 86_400, now: 1_750_000_000 } } })
  await signInWithCode(service.url, service.emulator, '+15557006666')
  attacker = await servePages({
    '/same-site': attackPage(service.url),
    '/cross-site': attackPage(service.url),
  })
  // attacker.test: a site of its own (cross-site, not another port of the same host);
  // rebind.attacker.test: a name rebound to the service's address.
  browser = await launchBrowser(['--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.attacker.test 127.0.0.1'])
})
after(async () => {
  await browser?.close()
  await attacker?.close()
  await service?.close()
})

const refusals = (): number => service.logText().split('\n').filter((line) => line.includes('cross-origin request refused')).length

test('no cross-site attack from another origin changes the account: each reaches the service and is refused', async () => {
  const channelsBefore = await (await fetch(`${service.url}/channels`)).text()
  const telegramCalls = (): number[] => ['auth.logOut', 'auth.sendCode', 'auth.exportLoginToken', 'channels.joinChannel', 'channels.leaveChannel']
    .map((method) => service.emulator.faults.counters.get(method))
  const callsBefore = telegramCalls()
  // The DELETE and the JSON POST are preflighted (no CORS here: the preflight is refused and
  // they never go); the rest are sent: 8 - 2 + 4 forms, from each of the two pages.
  const expected = refusals() + 2 * 10
  for (const path of ['/same-site', '/cross-site']) {
    const page = await browser.newPage()
    const host = path === '/same-site' ? attacker.url : `http://attacker.test:${attacker.port}`
    await page.goto(`${host}${path}`)
    await page.waitForFunction(() => (window as unknown as { done?: unknown }).done !== undefined)
    await page.close()
  }
  await waitUntil(() => refusals() >= expected, 'every attack refused by the service')
  assert.equal(refusals(), expected)
  assert.match(service.logText(), /a same-site request from http:\/\/127\.0\.0\.1:/)
  assert.match(service.logText(), /a cross-site request from http:\/\/attacker\.test:/)
  assert.equal((await fetch(`${service.url}/me`)).status, 200, 'still signed in')
  assert.equal(await (await fetch(`${service.url}/channels`)).text(), channelsBefore, 'the same channels')
  assert.deepEqual(telegramCalls(), callsBefore, 'nothing reached Telegram')
})

test('a page whose name rebinds to 127.0.0.1 on the service\'s own port reads nothing and changes nothing', async () => {
  const port = new URL(service.url).port
  const page = await browser.newPage()
  // /health answers any Host: the rebound page loads, as the attacker's would.
  const loaded = await page.goto(`http://rebind.attacker.test:${port}/health`)
  assert.equal(loaded?.status(), 200)
  const answers = await page.evaluate(async () => {
    const me = await fetch('/me')
    const out = await fetch('/sign_out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    return { me: me.status, meBody: await me.text(), signOut: out.status }
  })
  await page.close()
  assert.equal(answers.me, 421)
  assert.ok(!answers.meBody.includes('Sandbox'))
  assert.equal(answers.signOut, 421)
  assert.equal((await fetch(`${service.url}/me`)).status, 200, 'still signed in')
})
