// Enforcement-point benchmarks: Ed25519, SchemaPin, message seal/open, and the latency each
// enforcement wrapper adds over a bare decision. Imports the BUILT code (npx tsc -p tsconfig.json).
// Usage: node bench/enforcement-points.mjs [--quick]
import { generateKeyPairSync, randomBytes, sign, verify, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DeciderPolicyGate,
  Enforcer,
  MessageRouter,
  guardAgentCreation,
  guardDataOperation,
  guardResourceAccess,
  guardToolCall,
} from '../dist/runtime/enforce/index.js'
import { SecureMessenger, StaticKeyDirectory, generateAgentKeys, ReplayCache } from '../dist/runtime/messaging/index.js'
import { TofuKeyStore, ToolVerifier, verifySchema, loadPublicKey } from '../dist/runtime/tools/index.js'

const QUICK = process.argv.includes('--quick')
const loadBefore = loadavg()[0]
const N = QUICK ? 2_000 : 20_000

/** Times `fn` once per iteration after a warm-up; returns median, p99 (µs) and ops/s. */
async function measure(name, fn, n = N) {
  const warm = Math.min(2_000, Math.floor(n / 5))
  for (let i = 0; i < warm; i++) await fn(i)
  const samples = new Float64Array(n)
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await fn(i)
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9
  samples.sort()
  const row = { name, n, median: samples[Math.floor(n / 2)], p99: samples[Math.floor(n * 0.99)], ops: n / totalS }
  console.log(`${name.padEnd(48)} median ${row.median.toFixed(2).padStart(8)} µs  p99 ${row.p99.toFixed(2).padStart(8)} µs  ${Math.round(row.ops).toLocaleString('en-US').padStart(10)} ops/s`)
  return row
}

/** The same, for synchronous functions (no await, so the promise machinery is not measured). */
function measureSync(name, fn, n = N) {
  const warm = Math.min(2_000, Math.floor(n / 5))
  for (let i = 0; i < warm; i++) fn(i)
  const samples = new Float64Array(n)
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    fn(i)
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9
  samples.sort()
  const row = { name, n, median: samples[Math.floor(n / 2)], p99: samples[Math.floor(n * 0.99)], ops: n / totalS }
  console.log(`${name.padEnd(48)} median ${row.median.toFixed(2).padStart(8)} µs  p99 ${row.p99.toFixed(2).padStart(8)} µs  ${Math.round(row.ops).toLocaleString('en-US').padStart(10)} ops/s`)
  return row
}

const sections = []

// --- Ed25519 ---------------------------------------------------------------------------------
{
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const msg = randomBytes(256)
  const sig = sign(null, msg, privateKey)
  sections.push({
    title: 'Ed25519 (node:crypto, 256-byte message)',
    rows: [measureSync('ed25519 sign', () => sign(null, msg, privateKey)), measureSync('ed25519 verify', () => verify(null, msg, publicKey, sig))],
  })
}

// --- SchemaPin -------------------------------------------------------------------------------
{
  const vectors = JSON.parse(readFileSync(new URL('../test/runtime/tools/fixtures/schemapin-vectors.json', import.meta.url), 'utf8'))
  const keyObject = loadPublicKey(vectors.publicKeyPem)
  const store = new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'bench-tofu-')), 'keys.json') })
  const verifier = new ToolVerifier({ mode: 'strict', store })
  const tool = { name: vectors.signedSchema.name, provider: 'acme', schema: vectors.signedSchema, publicKey: vectors.publicKeyPem }
  if (!verifySchema(vectors.signedSchema, keyObject).valid) throw new Error('vector does not verify')
  sections.push({
    title: 'SchemaPin (ECDSA P-256 / SHA-256, test-vector schema; goal ≤ 1 ms per verification)',
    rows: [
      measureSync('verifySchema (PEM key parsed each call)', () => verifySchema(vectors.signedSchema, vectors.publicKeyPem), N / 4),
      measureSync('verifySchema (KeyObject)', () => verifySchema(vectors.signedSchema, keyObject), N / 4),
      await measure('ToolVerifier.verify strict (+ TOFU file re-read)', () => verifier.verify(tool), N / 4),
    ],
  })
}

// --- Messaging -------------------------------------------------------------------------------
{
  const a = generateAgentKeys('alice')
  const b = generateAgentKeys('bob')
  const dir = new StaticKeyDirectory().add('alice', a.signingPublic, a.agreementPublic).add('bob', b.signingPublic, b.agreementPublic)
  const sharedKey = randomBytes(32)
  const rows = []
  for (const cipher of ['aes-256-gcm', 'x25519-chacha20-poly1305']) {
    const alice = new SecureMessenger({ identity: a.identity, directory: dir, sharedKey })
    const bob = new SecureMessenger({ identity: b.identity, directory: dir, sharedKey, replayCache: new ReplayCache({ maxEntries: 4 * N + 10_000 }) })
    const payload = randomBytes(1024)
    const n = N / 2
    const sealed = []
    rows.push(measureSync(`seal 1 KiB (${cipher})`, () => sealed.push(alice.seal({ recipient: 'bob', payload, cipher })), n))
    let k = 0
    rows.push(measureSync(`open 1 KiB (${cipher})`, () => bob.open(sealed[k++]), n))
  }
  sections.push({ title: 'Messages (Ed25519 signature + payload cipher, 1 KiB payload; open includes strict parse and replay cache)', rows })
}

// --- Wrapper overhead ------------------------------------------------------------------------
{
  const decision = Object.freeze({ effect: 'allow', determining: [], errors: [], version: 1 })
  const decider = { evaluate: () => decision }
  const audit = { append: async () => undefined }
  const enforcer = new Enforcer({ decider, audit })
  const router = new MessageRouter(enforcer)
  const gate = new DeciderPolicyGate(enforcer)
  const agent = { id: 'agent-1', type: 'agent' }
  const req = { principal: agent, action: { name: 'read', args: [{ id: '/data/x', type: 'file' }] }, resource: { id: '/data/x', type: 'file' } }
  const noopVerifier = new ToolVerifier({ mode: 'disabled', env: {} })
  const tool = { name: 'lookup', provider: 'acme', schema: { name: 'lookup' }, publicKey: '' }
  const op = () => 1
  const bare = await measure('bare decision: await decider.evaluate(req)', async () => decider.evaluate(req))
  const rows = [
    bare,
    await measure('enforcer.authorize', () => enforcer.authorize({ point: 'resource_access', agentId: 'agent-1', request: req })),
    await measure('guardResourceAccess', () => guardResourceAccess(enforcer, { principal: agent, operation: 'read', kind: 'file', resource: '/data/x' }, op)),
    await measure('guardDataOperation', () => guardDataOperation(enforcer, { principal: agent, operation: 'export', data: { id: 'd', classification: 'secret' } }, op)),
    await measure('guardAgentCreation', () => guardAgentCreation(enforcer, { id: 'a1', capabilities: ['read'], sandbox: 'docker' }, op)),
    await measure('guardToolCall (SchemaPin disabled, masking on)', () => guardToolCall(enforcer, noopVerifier, { principal: agent, tool, arguments: { q: 'x', password: 'p' } }, op)),
    await measure('router.ask', () => router.ask({ sender: 'a', recipient: 'b', topic: 't' }, op)),
    await measure('router.parallel (3 targets)', () => router.parallel('a', [{ recipient: 'b', topic: 't' }, { recipient: 'c', topic: 't' }, { recipient: 'd', topic: 't' }], async () => 1)),
    await measure('PolicyGate.evaluateAction (tool_call)', () => gate.evaluateAction({ kind: 'tool_call', tool: 'lookup', arguments: { q: 'x' } }, agent)),
  ]
  sections.push({ title: 'Wrapper overhead (fixed in-process allow decider, no-op async audit sink)', rows, bare })
}

// --- Report ----------------------------------------------------------------------------------
const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${process.platform}/${process.arch}`
const lines = [
  '# Enforcement points — benchmark',
  '',
  `Generated by \`node bench/enforcement-points.mjs${QUICK ? ' --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Machine: ${machine}. 1-minute load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end: the machine is shared with other jobs, so medians are inflated and p99s mostly measure preemption. Treat numbers as upper bounds.`,
  'Each operation is timed individually with `process.hrtime.bigint()` after a warm-up; ops/s is iterations ÷ total wall time.',
  '',
]
for (const s of sections) {
  lines.push(`## ${s.title}`, '')
  const withAdded = s.bare !== undefined
  lines.push(`| operation | n | median µs | p99 µs | ops/s |${withAdded ? ' added median µs |' : ''}`)
  lines.push(`|---|---:|---:|---:|---:|${withAdded ? '---:|' : ''}`)
  for (const r of s.rows) {
    const added = withAdded ? ` ${r === s.bare ? '—' : (r.median - s.bare.median).toFixed(2)} |` : ''
    lines.push(`| ${r.name} | ${r.n} | ${r.median.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.ops).toLocaleString('en-US')} |${added}`)
  }
  lines.push('')
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/enforcement-points.md', import.meta.url), lines.join('\n'))
console.log(`\n${machine}\nwrote bench/results/enforcement-points.md`)
