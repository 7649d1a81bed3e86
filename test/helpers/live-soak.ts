/**
 * A live-feed soak, run in a process of its own with `--expose-gc` (the memory test and the
 * bench's `soak` scenario start it): an emulator, the whole service signed in, `subscribers`
 * GET /messages/live connections read as raw HTTP, and the emulator editing its channels'
 * messages in rounds, each round waiting until every subscriber has read it (so none falls
 * behind far enough to be disconnected). After a warm-up that fills the feed's journal once,
 * and after each sample's rounds, it collects garbage and
 * prints one JSON line: `{"events": <per subscriber so far>, "heapMiB": <used heap after GC>, "ms": <since the start>}`.
 *
 *   node --expose-gc test/helpers/live-soak.ts <subscribers> <events per subscriber> <samples>
 *   … or <subscribers> 0 <samples> <minutes>: as many events as fit in that time, one sample per slice.
 */
import { request, type IncomingMessage } from 'node:http'
import { startEmulator } from '@telegram-connector/emulator'
import { startService, signInWithCode } from './service.ts'

const ROUND = 500
/** A journal smaller than the service's 10 000: the warm-up fills it, so its memory is taken before the first sample. */
const JOURNAL_SIZE = 2_000

interface Reader { frames: number; response: IncomingMessage }

function openReader(url: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/messages/live`, { agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET /messages/live answered ${response.statusCode}`))
      const reader: Reader = { frames: 0, response }
      // One `event:` line per frame; the tail of a chunk is carried over, so a line split
      // across chunks is counted once.
      let carry = ''
      response.on('data', (chunk: Buffer) => {
        const text = carry + chunk.toString('latin1')
        for (let i = text.indexOf('\nevent: '); i !== -1; i = text.indexOf('\nevent: ', i + 1)) reader.frames++
        carry = text.slice(-7)
      })
      resolve(reader)
    })
    req.on('error', reject)
    req.end()
  })
}

const total = (readers: Reader[]): number => readers.reduce((sum, reader) => sum + reader.frames, 0)

function heapMiB(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1048576
}

export async function runLiveSoak(subscribers: number, eventsPerSample: number, samples: number, sampleMs: number): Promise<void> {
  const emulator = await startEmulator({ world: { seed: 7, channels: 2, messagesPerChannel: 20, spanSeconds: 3600, now: Math.floor(Date.now() / 1000) } })
  const service = await startService({ sharedEmulator: emulator, gateway: { floodWaitThreshold: 0 }, live: { journalSize: JOURNAL_SIZE } })
  const started = performance.now()
  try {
    await signInWithCode(service.url, emulator, '+15557000042')
    const readers = await Promise.all(Array.from({ length: subscribers }, () => openReader(service.url)))
    const [channel] = emulator.world.channels
    const ids = [channel.log.nextId() - 1, channel.log.nextId() - 2, channel.log.nextId() - 3]
    let sent = 0
    const edit = (): void => {
      emulator.edit(channel.id, ids[sent % ids.length], `edit ${sent}`)
      sent++
    }
    const settle = async (): Promise<void> => {
      let stalled = 0
      for (let read = total(readers); read < sent * readers.length; read = total(readers)) {
        if (readers.some((reader) => reader.response.destroyed)) throw new Error('a subscriber was disconnected')
        await new Promise((resolve) => setTimeout(resolve, 5))
        // A push the client never got shows only when a later one comes (its pts skips): the
        // world moves on by one more edit, as it would.
        stalled = total(readers) === read ? stalled + 1 : 0
        if (stalled === 200) edit()
      }
    }
    // Warm-up: the journal filled once, so that the samples compare like with like.
    while (sent < JOURNAL_SIZE) {
      for (let i = 0; i < ROUND; i++) edit()
      await settle()
    }
    for (let sample = 0; sample < samples; sample++) {
      const sliceEnd = performance.now() + sampleMs
      for (let done = 0; eventsPerSample > 0 ? done < eventsPerSample : performance.now() < sliceEnd; done += ROUND) {
        for (let i = 0; i < ROUND; i++) edit()
        await settle()
      }
      console.log(JSON.stringify({ events: sent, heapMiB: Number(heapMiB().toFixed(2)), ms: Math.round(performance.now() - started) }))
    }
    for (const reader of readers) reader.response.destroy()
  } finally {
    await service.close()
    await emulator.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [subscribers = '1', events = '10000', samples = '5', minutes = '0'] = process.argv.slice(2)
  await runLiveSoak(Number(subscribers), Number(events), Number(samples), (Number(minutes) * 60_000) / Number(samples))
  process.exit(0)
}
