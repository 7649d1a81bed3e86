import { startEmulator } from '/work/main/src/emulator/emulator.ts'
import { mtcuteClientFor } from '/work/main/test/helpers/emulator-client.ts'
const now = 1_751_000_000
const emu = await startEmulator({ world: { seed: 3, channels: 3, messagesPerChannel: 250, spanSeconds: 3 * 86400, now }, log: (l) => { if (process.env.S) console.log("[srv " + (Date.now() % 100000) + "]", l) } })
const tg = mtcuteClientFor(emu, { logLevel: Number(process.env.L ?? 0) })
try {
  const sent = await tg.sendCode({ phone: '+15550001111' })
  console.log(sent)
  const me = await tg.signIn({ phone: '+15550001111', phoneCodeHash: (sent as any).phoneCodeHash, phoneCode: emu.lastCode('+15550001111')! })
  console.log('me', me.id)
  const peer = await tg.resolvePeer('canal_1')
  console.log(peer)
  const page = await tg.getHistory('canal_1', { limit: 5 })
  console.log("PAGE", page.map(m=>m.id)); console.log("DROP-START", Date.now()%100000)
  console.log(page.next, page.total)
  emu.faults.dropConnection('messages.getHistory', { times: 1 })
  const t0 = Date.now()
  const p2 = await tg.getHistory('canal_1', { limit: 3 }).catch((e) => e)
  console.log('after drop', Date.now() - t0, p2.length ?? p2, emu.faults.counters.toJSON())
} finally { await tg.destroy(); await emu.stop() }
