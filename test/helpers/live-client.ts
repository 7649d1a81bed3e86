/**
 * A reader of GET /messages/live through the `eventsource` package (a client none of us
 * wrote): every event it hands on is recorded with its type, id and parsed data. Its fetch is
 * the platform's, wrapped only to add headers and to count the heartbeat comments on the wire
 * (EventSource itself never surfaces comments).
 */
import { EventSource } from 'eventsource'

export interface LiveRecord {
  type: 'message' | 'edit' | 'delete' | 'reset'
  id: string
  data: Record<string, unknown>
}

export interface LiveClient {
  readonly events: LiveRecord[]
  /** Resolves with the first `count` events once that many arrived. */
  next(count: number): Promise<LiveRecord[]>
  /** Resolves once `done` holds for the events received. */
  until(done: (events: readonly LiveRecord[]) => boolean): Promise<void>
  /** Resolves once the stream is open (its response started). */
  opened(): Promise<void>
  /** Heartbeat comment lines seen on the wire so far. */
  heartbeats(): number
  /** Resolves once at least `count` heartbeats were seen. */
  whenHeartbeats(count: number): Promise<void>
  /** Connections made (the first and every reconnection). */
  connections(): number
  close(): void
}

export function openLive(url: string, options: { headers?: Record<string, string>; query?: string } = {}): LiveClient {
  const events: LiveRecord[] = []
  let waiters: Array<() => void> = []
  let beats = 0
  let connections = 0
  let isOpen = false
  const wake = (): void => {
    const current = waiters
    waiters = []
    for (const w of current) w()
  }
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  // The wire copies this client reads; cancelled on close so that nothing outlives the client.
  const copies = new Set<ReadableStreamDefaultReader<Uint8Array>>()
  const source = new EventSource(`${url}/messages/live${options.query ? `?${options.query}` : ''}`, {
    fetch: async (input, init) => {
      connections++
      const response = await fetch(input, { ...init, headers: { ...init.headers, ...options.headers } })
      if (!response.body) return response
      const [mine, theirs] = response.body.tee()
      const reader = mine.getReader()
      copies.add(reader)
      void (async () => {
        const decoder = new TextDecoder()
        let carry = ''
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          carry += decoder.decode(value, { stream: true })
          const lines = carry.split('\n')
          carry = lines.pop() ?? ''
          for (const line of lines) if (line === ': heartbeat') beats++
          wake()
        }
      })()
        .catch(() => {})
        .finally(() => copies.delete(reader))
      return new Response(theirs, { status: response.status, headers: response.headers })
    },
  })
  for (const type of ['message', 'edit', 'delete', 'reset'] as const) {
    source.addEventListener(type, (event) => {
      events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) as Record<string, unknown> })
      wake()
    })
  }
  source.addEventListener('open', () => {
    isOpen = true
    wake()
  })
  return {
    events,
    async next(count) {
      await until(() => events.length >= count)
      return events.slice(0, count)
    },
    until: (done) => until(() => done(events)),
    opened: () => until(() => isOpen),
    heartbeats: () => beats,
    whenHeartbeats: (count) => until(() => beats >= count),
    connections: () => connections,
    close: () => {
      source.close()
      for (const reader of copies) void reader.cancel().catch(() => {})
    },
  }
}
