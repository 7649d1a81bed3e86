/**
 * The webhook deliveries (README, Webhooks) as OpenAPI 3.1 `webhooks`: one POST per event kind,
 * its body, the Standard Webhooks and X-Connector-Signature headers, and what each answer of
 * the receiver means.
 */
const header = (description: string, example: string) => ({ in: 'header' as const, required: true, description, schema: { type: 'string' as const }, example })

const HEADERS = [
  { name: 'webhook-id', ...header("The event's id: the body's `id`, the SSE `id:`; a re-delivery repeats it", 'MX5...') },
  { name: 'webhook-timestamp', ...header('Unix seconds, signed', '1751371200') },
  { name: 'webhook-signature', ...header('Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>`', 'v1,pWPhb1rewuBHkLqwcTbXGA4T4w3sgDX5xZF34qthOhQ=') },
  { name: 'X-Connector-Signature', ...header('`t=<unix seconds>,v1=<hex HMAC-SHA256 of WEBHOOK_SECRET over "<t>.<raw body>">`', 't=1751371200,v1=eb07fba1...') },
]

const RESPONSES = {
  '2XX': { description: 'Delivered: the next event follows' },
  410: { description: 'The endpoint is gone: deliveries to it stop until the service restarts' },
  '4XX': { description: 'Any other 4xx but 408 and 429: this event is refused, logged and skipped' },
  '5XX': { description: 'Not now (also 408, 429, redirects, timeouts): the same event is retried with backoff, or after `Retry-After`' },
}

function delivery(event: 'message' | 'edit' | 'delete', summary: string, data: Record<string, unknown>) {
  return {
    post: {
      summary,
      description: 'POSTed to WEBHOOK_URL, one event per request, in feed order (a channel\'s events never overtake each other).',
      tags: ['webhooks'],
      parameters: HEADERS,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object' as const,
              required: ['event', 'id', 'data'],
              properties: {
                event: { type: 'string' as const, enum: [event] },
                id: { type: 'string' as const, description: "The live feed's cursor of the event: the same as `webhook-id`" },
                data,
              },
            },
          },
        },
      },
      responses: RESPONSES,
    },
  }
}

export const webhookDocuments = {
  message: delivery('message', 'A new message in one of the account\'s channels', { $ref: '#/components/schemas/TelethonMessage' }),
  edit: delivery('edit', 'An edited message, in the same shape (its `edit_date` set)', { $ref: '#/components/schemas/TelethonMessage' }),
  delete: delivery('delete', 'Messages deleted from a channel', { $ref: '#/components/schemas/LiveDeletion' }),
}
