/**
 * The live feed in a real browser: a page on an origin listed in CORS_ORIGINS reads
 * GET /messages/live with EventSource — without API_TOKEN directly, with it through a stream
 * token minted by an authenticated POST — and a page on an unlisted origin reads nothing.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startEmulator, type Emulator } from '@telegram-connector/emulator'
import { startService, signInWithCode, type Service } from '../helpers/service.ts'
import { launchBrowser, servePages, type PageServer } from '../helpers/browser.ts'

const TOKEN = 'tok_browser_4b3c2d1e0f9a8b7c'
const NOW_S = Math.floor(Date.now() / 1000)

/** A dashboard page: opens the feed (through a stream token when `token` is given) and records events. */
const DASHBOARD = `<!doctype html><body><script>
window.events = []; window.failed = false; window.opened = false;
window.start = async (service, token) => {
  let url = service + '/messages/live';
  if (token) {
    try {
      const answer = await fetch(service + '/messages/live/token', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
      url += '?stream_token=' + encodeURIComponent((await answer.json()).token);
    } catch { window.failed = true; return }
  }
  const source = new EventSource(url);
  source.onopen = () => { window.opened = true };
  source.onerror = () => { if (!window.opened) { window.failed = true; source.close() } };
  source.addEventListener('message', (e) => window.events.push({ id: e.lastEventId, data: JSON.parse(e.data) }));
};
</script></body>`

let emulator: Emulator
let browser: Browser
let allowed: PageServer
let other: PageServer

before(async () => {
  emulator = await startEmulator({ world: { seed: 44, channels: 2, messagesPerChannel: 10, spanSeconds: 3600, now: NOW_S } })
  allowed = await servePages({ '/': DASHBOARD })
  other = await servePages({ '/': DASHBOARD })
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await allowed?.close()
  await other?.close()
  await emulator?.stop()
})

async function openDashboard(origin: string, service: Service, token?: string): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(`${origin}/`)
  await page.evaluate(([url, bearer]) => (window as unknown as { start(u: string, t?: string): Promise<void> }).start(url!, bearer), [service.url, token] as const)
  return page
}

/** Posts once the page's stream is open and returns what the page received. */
async function readOnePost(page: Page, text: string): Promise<{ id: number, message: string }> {
  await page.waitForFunction(() => (window as unknown as { opened: boolean }).opened)
  const channel = emulator.world.channels[0]!
  emulator.post(channel.id, text)
  await page.waitForFunction(() => (window as unknown as { events: unknown[] }).events.length > 0)
  const [event] = await page.evaluate(() => (window as unknown as { events: Array<{ data: { id: number, message: string } }> }).events)
  return { id: event!.data.id, message: event!.data.message }
}

for (const token of [undefined, TOKEN]) {
  describe(token === undefined ? 'without API_TOKEN' : 'with API_TOKEN', () => {
    let service: Service
    before(async () => {
      service = await startService({ sharedEmulator: emulator, corsOrigins: [allowed.url], ...(token ? { apiToken: token } : {}) })
      await signInWithCode(service.url, emulator, '+15557007777', token ? { authorization: `Bearer ${token}` } : {})
    })
    after(async () => {
      await service?.close()
    })

    test('a page on an allowed origin reads the live feed with EventSource', async () => {
      const page = await openDashboard(allowed.url, service, token)
      try {
        const text = `to the dashboard ${token === undefined ? 'open' : 'with a stream token'}`
        assert.equal((await readOnePost(page, text)).message, text)
      } finally {
        await page.close()
      }
      if (token) assert.ok(!service.logText().includes(token), 'the bearer token is never in a URL or the log')
    })

    test('a page on another origin cannot read it', async () => {
      const page = await openDashboard(other.url, service, token)
      try {
        await page.waitForFunction(() => (window as unknown as { failed: boolean }).failed)
        assert.equal(await page.evaluate(() => (window as unknown as { opened: boolean }).opened), false)
      } finally {
        await page.close()
      }
    })
  })
}
