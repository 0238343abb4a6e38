// Compliance report over a large trail (issue 13): 1,000,000 audit records written by the real
// trail (hash chain, signed checkpoints every 1,000), then `symbi-policy report --framework
// hipaa` run in process on them: read, verify the chain and every signature, run the checks,
// render the HTML with charts. Build first. Writes bench/results/compliance.md.
//
//   node bench/compliance.mjs             # 1,000,000 records
//   RECORDS=200000 node bench/compliance.mjs
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { main } from '../dist/cli/main.js'
import { openAuditLog } from '../dist/runtime/audit/open.js'

const N = Number(process.env.RECORDS ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'symbi-compliance-bench-'))
const { privateKey, publicKey } = generateKeyPairSync('ed25519')
writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
let now = Date.UTC(2026, 0, 1)
const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: privateKey, mode: 'checkpoint', checkpointEvery: 1000, clock: () => now })
const tWrite = performance.now()
const BATCH = 1000
for (let i = 0; i < N; i += BATCH) {
  const batch = []
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    batch.push(j % 50 === 0
      ? { agentId: `agent-${j % 97}`, type: 'security_event', details: { severity: j % 200 === 0 ? 'error' : 'warning', category: 'policy_violation', description: 'denied' } }
      : { agentId: `agent-${j % 97}`, type: 'policy_decision', details: { principal: `agent-${j % 97}`, action: 'read', effect: j % 7 === 0 ? 'deny' : 'allow', classification: j % 3 === 0 ? 'phi' : 'internal' } })
  }
  await trail.appendMany(batch)
  now += 30_000 // records spread over ~a year
}
await trail.close()
const writeMs = performance.now() - tWrite
const bytes = statSync(join(dir, 'audit.log')).size

const io = { out: () => {}, err: (t) => process.stderr.write(t), readStdin: async () => '', env: {}, cwd: dir }
const samples = []
let code = -1
for (let r = 0; r < 3; r++) {
  const t = performance.now()
  code = await main(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--public-key', 'public.pem', '--retention-days', '2200', '-o', 'report'], io)
  samples.push(performance.now() - t)
}
rmSync(dir, { recursive: true, force: true })
if (code !== 0) throw new Error(`report exited ${code}`)

const sorted = [...samples].sort((a, b) => a - b)
const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`
const md = `# Compliance report over a large audit trail

Measured ${new Date().toISOString().slice(0, 10)} by \`node bench/compliance.mjs\`. Machine: ${machine}. Load average at the end:
${loadavg().map((x) => x.toFixed(2)).join(' ')}.

${N.toLocaleString('en-US')} records (${(bytes / 2 ** 20).toFixed(0)} MiB, signed checkpoints every 1,000, spread over a year)
written by the audit trail in ${(writeMs / 1000).toFixed(1)} s, then \`symbi-policy report --framework hipaa --audit-log …
--public-key …\` in process: read and parse the log, verify the chain and every signature, run
the four checks, write the JSON and the HTML with three charts.

| run | seconds |
|---|---:|
${samples.map((s, i) => `| ${i + 1} | ${(s / 1000).toFixed(2)} |`).join('\n')}
| median | ${(sorted[1] / 1000).toFixed(2)} |

Target (issue 13): under 10 s for 1,000,000 events.
`
writeFileSync(new URL('./results/compliance.md', import.meta.url), md)
console.log(md)
