/**
 * /docs in real headless Chromium: "Try it out" with the values the page pre-fills answers 200
 * on GET /messages (a window with `limit`, so the page stays quick), and a QR sign-in shows
 * its code as an image.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { startService, signInWithCode } from '../helpers/service.ts'
import { launchBrowser } from '../helpers/browser.ts'

const NOW_S = Math.floor(Date.now() / 1000)
let browser: Browser

before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

/** Opens an operation in Swagger UI, presses "Try it out" then "Execute", and answers the status shown. */
async function tryItOut(page: Page, method: string, path: string, accept?: string): Promise<{ status: string, block: ReturnType<Page['locator']> }> {
  const block = page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) }).first()
  await block.locator('.opblock-summary').click()
  await block.locator('button.try-out__btn').click()
  if (accept !== undefined) await block.locator('.response-control-media-type--accept-controller select').selectOption(accept)
  await block.locator('button.execute').click()
  const status = block.locator('.live-responses-table .response .response-col_status').first()
  await status.waitFor({ timeout: 60_000 })
  return { status: (await status.textContent())!.trim(), block }
}

test('"Try it out" on GET /messages with the values /docs pre-fills answers 200', async (t) => {
  const service = await startService({ emulator: { world: { seed: 3, channels: 3, messagesPerChannel: 400, spanSeconds: 14 * 86_400, now: NOW_S } } })
  t.after(() => service.close())
  await signInWithCode(service.url, service.emulator, '+15557008888')
  const page = await browser.newPage()
  t.after(() => page.close())
  await page.goto(`${service.url}/docs`)
  const { status, block } = await tryItOut(page, 'get', '/messages')
  assert.equal(status, '200', await block.locator('.live-responses-table').textContent() ?? '')
  const body = await block.locator('.live-responses-table .response-col_description pre').first().textContent()
  const messages = JSON.parse(body ?? '[]') as unknown[]
  assert.equal(messages.length, 20, 'the pre-filled limit: the newest 20 of the window')
})

test('a QR sign-in from /docs shows the code as an image', async (t) => {
  const service = await startService({ emulator: { world: { seed: 3, channels: 2, messagesPerChannel: 5, spanSeconds: 3600, now: NOW_S } } })
  t.after(() => service.close())
  const page = await browser.newPage()
  t.after(() => page.close())
  await page.goto(`${service.url}/docs`)
  const { status, block } = await tryItOut(page, 'post', '/sign_in/qr')
  assert.equal(status, '206')
  const image = block.locator('.live-responses-table .response-col_description img').first()
  await image.waitFor()
  const drawn = await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)
  assert.equal(drawn, true, 'the SVG answer is drawn')
})
