/**
 * The baseline: the same window read the obvious way with mtcute alone, as the Python
 * predecessor did with Telethon — every dialog, each channel's history page by page in turn,
 * everything collected, sorted and serialised at the end. Prints {messages, bytes, ms, maxRssMiB}.
 */
import { MemoryStorage } from '@mtcute/core'
import { TelegramClient } from '@mtcute/node'
import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js'
import { toTelethonDict, writeTelethonJson } from '../src/telegram/history/telethon-shape.ts'

const dc = JSON.parse(process.env.BENCH_DC!) as { host: string; port: number; dcId: number; publicKeyPem: string }
const { session, startIso, endIso } = JSON.parse(process.env.BENCH_RUN!) as { session: string; startIso: string; endIso: string }
const start = Date.parse(startIso) / 1000
const end = Date.parse(endIso) / 1000

addPublicKey(new NodeCryptoProvider(), dc.publicKeyPem)
const address = { id: dc.dcId, ipAddress: dc.host, port: dc.port }
const tg = new TelegramClient({
  apiId: 1,
  apiHash: 'bench',
  storage: new MemoryStorage(),
  defaultDcs: { main: address, media: { ...address, mediaOnly: true } },
  logLevel: 0,
})
await tg.importSession(session)
await tg.connect()

const started = performance.now()
const collected: { date: number; dict: ReturnType<typeof toTelethonDict> }[] = []
for await (const dialog of tg.iterDialogs()) {
  const chat = dialog.peer
  if (chat.type !== 'chat' || (chat.chatType !== 'channel' && chat.chatType !== 'supergroup')) continue
  for await (const message of tg.iterHistory(chat, { offset: { id: 0, date: end + 1 }, chunkSize: 100 })) {
    if (message.date.getTime() / 1000 <= start) break
    if (message.isService) continue
    collected.push({
      date: message.date.getTime(),
      dict: toTelethonDict(message.raw, { channel_name: chat.username ?? null, channel_title: chat.title }),
    })
  }
}
collected.sort((a, b) => b.date - a.date)
const body = collected.map((m) => writeTelethonJson(m.dict)).join('\n') + '\n'
const ms = performance.now() - started
await tg.destroy()
process.stdout.write(
  JSON.stringify({ messages: collected.length, bytes: Buffer.byteLength(body), ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n',
)
process.exit(0)
