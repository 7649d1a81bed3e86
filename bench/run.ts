/**
 * `npm run bench [-- <scenario>...]`: every scenario, or only those named.
 *
 *   messages  the service's /messages against a plain mtcute loop (bench/messages.ts)
 *   startup   process start to the first /health answer, compiled and from source (bench/startup.ts)
 *   flood     /messages under the sandbox's flood control: time against the floor, waits (bench/flood.ts)
 *   flood-semantics  the same under each flood semantics of the emulator (bench/flood-semantics.ts)
 *   unlimited /messages with no flood limit: time against the floor of 4 calls in flight (bench/unlimited.ts)
 *   memory    the service's peak RSS at 10 000 and 100 000 messages (bench/memory.ts)
 *   soak      N live subscribers for M minutes: heap after GC over time (bench/soak.ts)
 */
import { benchFlood } from './flood.ts'
import { benchFloodSemantics } from './flood-semantics.ts'
import { benchUnlimited } from './unlimited.ts'
import { benchMemory } from './memory.ts'
import { benchMessages } from './messages.ts'
import { benchSoak } from './soak.ts'
import { benchStartup } from './startup.ts'

const SCENARIOS = { messages: benchMessages, startup: benchStartup, flood: benchFlood, 'flood-semantics': benchFloodSemantics, unlimited: benchUnlimited, memory: benchMemory, soak: benchSoak } as const
type Scenario = keyof typeof SCENARIOS

const isScenario = (name: string): name is Scenario => Object.hasOwn(SCENARIOS, name)

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !isScenario(name))
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`)
  process.exit(2)
}
const chosen = asked.length > 0 ? (asked as Scenario[]) : (Object.keys(SCENARIOS) as Scenario[])
for (const [i, name] of chosen.entries()) {
  if (i > 0) console.log('')
  await SCENARIOS[name]()
}
