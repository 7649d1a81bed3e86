/**
 * The benchmark's Telegram: an emulator in its own process (so its memory is not counted in
 * the readers' RSS), every RPC delayed by the given latency. Prints its address as one JSON
 * line; answers `counters` and `reset` lines on stdin with the RPC counters.
 */
import { createInterface } from 'node:readline'
import { startEmulator } from '../src/emulator/emulator.ts'

const [channels, perChannel, latencyMs] = process.argv.slice(2).map(Number)
const now = Math.floor(Date.now() / 1000)
const emulator = await startEmulator({
  world: { seed: 7, channels: channels!, messagesPerChannel: perChannel!, spanSeconds: 7 * 86_400, now, privateChatMessages: 50, basicGroupMessages: 50 },
})
if (latencyMs! > 0) emulator.faults.latency('*', latencyMs!)
process.stdout.write(
  JSON.stringify({ host: emulator.host, port: emulator.port, dcId: emulator.dcId, publicKeyPem: emulator.publicKeyPem, now }) + '\n',
)
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'counters') process.stdout.write(JSON.stringify(emulator.faults.counters.toJSON()) + '\n')
  else if (line === 'reset') {
    emulator.faults.counters.reset()
    process.stdout.write('{}\n')
  }
}
await emulator.stop()
