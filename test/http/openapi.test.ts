import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startService } from '../helpers/service.ts'

test('the OpenAPI document describes every endpoint with its statuses, and Swagger UI is served at /docs', async (t) => {
  const service = await startService()
  t.after(() => service.close())
  const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
    openapi: string
    paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; required?: boolean }[]; requestBody?: unknown }>>
  }
  assert.equal(doc.openapi, '3.1.0')
  assert.deepEqual(Object.keys(doc.paths['/sign_in']!.post!.responses).sort(), ['200', '206', '400', '401', '403', '409', '410', '415', '429', '502', '503'])
  assert.ok(doc.paths['/sign_in']!.post!.requestBody)
  assert.deepEqual(Object.keys(doc.paths['/sign_in/qr']!.post!.responses).sort(), ['200', '206', '401', '403', '429', '502', '503'])
  assert.deepEqual(Object.keys(doc.paths['/me']!.get!.responses).sort(), ['200', '401', '429', '502', '503'])
  assert.deepEqual(Object.keys(doc.paths['/sign_out']!.post!.responses).sort(), ['200', '401', '403', '429', '502', '503'])
  const messages = doc.paths['/messages']!.get!
  assert.deepEqual(
    messages.parameters!.map((p) => [p.name, p.required === true]),
    [['start_time', true], ['end_time', false], ['channels', false], ['after', false], ['limit', false]],
  )
  assert.ok(messages.responses['200'])
  assert.ok(messages.responses['404'])
  assert.ok(doc.paths['/health']!.get!.responses['200'])
  assert.deepEqual(Object.keys(doc.paths['/channels']!.get!.responses).sort(), ['200', '401', '429', '502', '503'])
  assert.deepEqual(
    Object.keys(doc.paths['/channels']!.post!.responses).sort(),
    ['200', '201', '400', '401', '403', '404', '409', '410', '415', '429', '502', '503'],
  )
  assert.ok(doc.paths['/channels']!.post!.requestBody)
  const leave = doc.paths['/channels/{channel}']!.delete!
  assert.deepEqual(leave.parameters!.map((p) => [p.name, p.required === true]), [['channel', true]])
  assert.deepEqual(Object.keys(leave.responses).sort(), ['204', '400', '401', '403', '404', '429', '502', '503'])

  // Every problem status names its own codes, each with the catalog's document as an example.
  type Media = { schema: { $ref?: string }, examples: Record<string, { value: { status: number, code: string } }> }
  const signIn = doc.paths['/sign_in']!.post!.responses as Record<string, { description: string, content: Record<string, Media> }>
  const codesOf = (status: string) => Object.keys(signIn[status]!.content['application/problem+json']!.examples)
  assert.deepEqual(codesOf('400'), ['BAD_REQUEST', 'PHONE_NUMBER_INVALID', 'PHONE_CODE_INVALID', 'PHONE_NUMBER_UNOCCUPIED'])
  assert.deepEqual(codesOf('403'), ['EMAIL_SETUP_REQUIRED', 'CROSS_ORIGIN_FORBIDDEN'])
  assert.deepEqual(codesOf('429'), ['FLOOD_WAIT'])
  for (const [status, response] of Object.entries(signIn).filter(([status]) => Number(status) >= 400)) {
    assert.notEqual(response.description, 'Default Response')
    for (const example of Object.values(response.content['application/problem+json']!.examples)) assert.equal(example.value.status, Number(status))
  }

  // The webhook's deliveries, under `webhooks`.
  const webhooks = (doc as unknown as { webhooks: Record<string, { post: { parameters: Array<{ name: string }>, requestBody: unknown, responses: Record<string, unknown> } }> }).webhooks
  assert.deepEqual(Object.keys(webhooks), ['message', 'edit', 'delete'])
  assert.deepEqual(webhooks.message!.post.parameters.map((p) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'X-Connector-Signature'])
  assert.ok(webhooks.delete!.post.responses['410'])

  const ui = await fetch(`${service.url}/docs`, { redirect: 'follow' })
  assert.equal(ui.status, 200)
  assert.match(ui.headers.get('content-type') ?? '', /text\/html/)
  assert.match(await ui.text(), /swagger/i)
})

test('the OpenAPI document describes the live stream and the message schema, and the docs carry the product name', async (t) => {
  const service = await startService()
  t.after(() => service.close())
  const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
    info: { title: string }
    components: { schemas: Record<string, unknown> }
    paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { name: string; required?: boolean }[] }>>
  }
  const live = doc.paths['/messages/live']!.get!
  assert.deepEqual(live.parameters!.map((p) => [p.name, p.required === true]), [['start_time', false], ['last_event_id', false], ['channels', false], ['stream_token', false]])
  assert.deepEqual(Object.keys(live.responses).sort(), ['200', '400', '401', '404', '429', '502', '503'])
  assert.deepEqual(Object.keys(live.responses['200']!.content!), ['text/event-stream'])
  assert.deepEqual(Object.keys(doc.components.schemas).sort(), ['LiveDeletion', 'Problem', 'TelethonMessage'])
  assert.equal(doc.info.title, 'Telegram Connector')

  const html = await (await fetch(`${service.url}/docs/`, { redirect: 'follow' })).text()
  assert.match(html, /<title>Telegram Connector — API<\/title>/)
})

test('Swagger UI, set up at its first request, serves the page, its assets and the same document as /openapi.json; what it lacks is a problem document', async (t) => {
  const service = await startService()
  t.after(() => service.close())
  const html = await (await fetch(`${service.url}/docs/`)).text()
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!)
  assert.ok(scripts.some((src) => src.includes('swagger-ui-bundle.js')), html)
  for (const src of scripts) {
    const asset = await fetch(new URL(src, `${service.url}/docs/`))
    assert.equal(asset.status, 200, src)
    assert.match(asset.headers.get('content-type') ?? '', /javascript/)
    assert.ok((await asset.arrayBuffer()).byteLength > 0)
  }
  // The file server's headers are passed on.
  const bundle = await fetch(`${service.url}/docs/static/swagger-ui-bundle.js`)
  await bundle.arrayBuffer()
  assert.ok(bundle.headers.get('etag') !== null && bundle.headers.get('last-modified') !== null)
  assert.deepEqual(await (await fetch(`${service.url}/docs/json`)).json(), await (await fetch(`${service.url}/openapi.json`)).json())
  const missing = await fetch(`${service.url}/docs/static/no-such-file.js`)
  assert.equal(missing.status, 404)
  assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.equal(((await missing.json()) as { code: string }).code, 'NOT_FOUND')
})
