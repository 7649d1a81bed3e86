/**
 * Streams an async sequence of messages as a JSON array or as NDJSON, pulling one message per
 * write so memory stays flat whatever the window's size. The first message is awaited before
 * the response starts, so the errors that come first (not signed in, a flood wait) still get
 * their own status code; a failure after that can only cut the stream short.
 */
import { Readable } from 'node:stream'

export type MessageFormat = 'json' | 'ndjson'

export function negotiateFormat(accept: string | undefined): MessageFormat {
  return accept !== undefined && /\bapplication\/x-ndjson\b/i.test(accept) ? 'ndjson' : 'json'
}

async function* frame<T>(
  first: IteratorResult<T>,
  rest: AsyncIterator<T>,
  serialize: (item: T) => string,
  format: MessageFormat,
): AsyncGenerator<string> {
  const separator = format === 'json' ? ',' : ''
  const terminator = format === 'json' ? '' : '\n'
  if (format === 'json') yield '['
  let current = first
  let index = 0
  try {
    while (!current.done) {
      yield (index++ === 0 ? '' : separator) + serialize(current.value) + terminator
      current = await rest.next()
    }
  } finally {
    // Ends the producer's own loops when the client goes away mid-stream.
    if (!current.done) await rest.return?.()
  }
  if (format === 'json') yield ']'
}

export async function openMessageStream<T>(
  source: AsyncIterable<T>,
  serialize: (item: T) => string,
  format: MessageFormat,
): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]()
  const first = await iterator.next()
  return Readable.from(frame(first, iterator, serialize, format), { objectMode: false })
}
