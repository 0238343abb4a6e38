// Security-event detectors (issue 13): events per second through the windowed detectors alone,
// and through SecurityMonitor.emit (id, time, subscribers, detectors; no audit store, which
// bench/enforcement-audit.mjs measures). Build first. Writes bench/results/events.md.
//
//   node bench/events.mjs            # 1,000,000 events, 5 rounds
import { cpus, loadavg, totalmem } from 'node:os'
import { writeFileSync } from 'node:fs'
import { repeatedDenies, resourceAnomaly, signatureFailureBurst, SecurityMonitor } from '../dist/runtime/events/index.js'

const N = Number(process.env.EVENTS ?? 1_000_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const CATEGORIES = ['policy_violation', 'policy_violation', 'policy_violation', 'signature_failure', 'sandbox_kill', 'auth_failure']

/** Events from 1,000 agents, 10 µs apart: the mix an enforcement tier under attack produces. */
function makeEvents(n) {
  const out = new Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = { id: `e${i}`, time: 1_700_000_000_000 + i / 100, severity: 'warning', category: CATEGORIES[i % CATEGORIES.length], description: 'x', agent: `agent-${i % 1000}`, affected: [], recommendedActions: [], evidence: [], source: 'bench' }
  }
  return out
}

const detectors = () => [repeatedDenies({ threshold: 20, windowMs: 60_000 }), signatureFailureBurst({ threshold: 50, windowMs: 10_000 }), resourceAnomaly({ threshold: 10, windowMs: 60_000 })]
const events = makeEvents(N)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const detectorRates = []
let fired = 0
for (let r = 0; r < ROUNDS; r++) {
  const ds = detectors()
  const t = performance.now()
  for (const e of events) for (const d of ds) if (d.observe(e) !== undefined) fired++
  detectorRates.push(N / ((performance.now() - t) / 1000))
}

const emitN = Math.min(N, 200_000)
const emitRates = []
for (let r = 0; r < ROUNDS; r++) {
  const m = new SecurityMonitor({ detectors: detectors() })
  const t = performance.now()
  for (let i = 0; i < emitN; i++) {
    const e = events[i]
    await m.emit({ severity: e.severity, category: e.category, description: e.description, agent: e.agent, source: 'bench' })
  }
  emitRates.push(emitN / ((performance.now() - t) / 1000))
}

const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`
const fmt = (x) => Math.round(x).toLocaleString('en-US')
const md = `# Security-event detectors

Measured ${new Date().toISOString().slice(0, 10)} by \`node bench/events.mjs\`. Machine: ${machine}. Load average at the end:
${loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine lowers these numbers).

| path | events | rounds | median events/s | min | max |
|---|---:|---:|---:|---:|---:|
| three windowed detectors (repeated denies, signature bursts, resource anomalies), 1,000 agents | ${fmt(N)} | ${ROUNDS} | ${fmt(median(detectorRates))} | ${fmt(Math.min(...detectorRates))} | ${fmt(Math.max(...detectorRates))} |
| \`SecurityMonitor.emit\` (id, time, subscribers, the same detectors; no audit store) | ${fmt(emitN)} | ${ROUNDS} | ${fmt(median(emitRates))} | ${fmt(Math.min(...emitRates))} | ${fmt(Math.max(...emitRates))} |

Target (issue 13): ≥ 100,000 events/s through the detectors. Detections fired in the
detector rounds: ${fired}.
`
writeFileSync(new URL('./results/events.md', import.meta.url), md)
console.log(md)
