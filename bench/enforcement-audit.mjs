// Audit trail benchmark: events/s to disk in each signing mode, Ed25519 sign/verify rates, and
// SHA-256 via @noble/hashes vs node:crypto on canonical events of typical sizes.
// Run: npx tsc -p tsconfig.json && node bench/enforcement-audit.mjs   (writes bench/results/enforcement-audit.md)
import { createHash, generateKeyPairSync, hash as oneShotHash } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalEvent, chainHash, openAuditLog, serializeEvent, signHash, verify, verifyHashSignature } from '../dist/runtime/audit/index.js'
import { maskSensitive } from '../dist/runtime/masking.js'

const QUICK = process.env.BENCH_QUICK === '1'
const lines = []
const out = (s = '') => {
  lines.push(s)
  console.log(s)
}

function stats(perOpMs) {
  const s = [...perOpMs].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { median: q(0.5), p99: q(0.99) }
}

/**
 * Times `fn` in batches of `batch` calls by the CPU time of this process (user + system), so that
 * other processes on a shared machine distort the figures less than wall time would. Returns the
 * per-op median/p99 over batches and ops per CPU-second.
 */
function measure(fn, { batch = 1000, samples = QUICK ? 20 : 60, warmup = 5 } = {}) {
  for (let i = 0; i < warmup * batch; i++) fn(i)
  const per = []
  let total = 0
  for (let s = 0; s < samples; s++) {
    const c0 = process.cpuUsage()
    for (let i = 0; i < batch; i++) fn(i)
    const c = process.cpuUsage(c0)
    const dt = (c.user + c.system) / 1000
    total += dt
    per.push(dt / batch)
  }
  return { ...stats(per), opsPerSec: (samples * batch) / (total / 1000) }
}

const fmtUs = (ms) => `${(ms * 1000).toFixed(2)} µs`
const fmtOps = (n) => Math.round(n).toLocaleString('en-US')

function details(i, size) {
  const d = {
    decision: i % 3 === 0 ? 'deny' : 'allow',
    policy: 'data_access',
    rule: `rule_${i % 17}`,
    request: { action: 'read', principal: { id: `agent-${i % 8}`, role: 'analyst' }, resource: { id: `file:/data/customers/${i}.csv`, classification: 'confidential' } },
    reasons: ['role is analyst', 'classification within clearance'],
    latencyUs: 12.5,
  }
  if (size > 0) d.payload = 'x'.repeat(size)
  return d
}

function event(i, size) {
  return { id: '0b7a2c9e-8f1d-4c3b-9a6e-5d4f3e2a1b0c', timestamp: '2026-11-26T15:00:00.000Z', agentId: `agent-${i % 8}`, type: 'policy_decision', details: details(i, size) }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ')
const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform} ${process.arch}`
out('# Audit trail benchmark (bench/enforcement-audit.mjs)')
out()
out(`Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 16)}Z. Temp dir: ${tmpdir()}. Load average at start (1/5/15 min): ${load()}.`)
out('The machine is shared (2 cores, other engineers building and testing at the same time), so numbers are noisy; medians are the figure to trust.')
out()

// ---- SHA-256 ----
out('## SHA-256 of `previousHash ‖ canonical(event)`: @noble/hashes vs node:crypto')
out()
out('The hashed input is the 64 hex digits of previousHash followed by the canonical bytes (as the trail hashes it).')
out()
out('| event | hashed bytes | noble median | noble ops/s | createHash median | createHash ops/s | crypto.hash median | crypto.hash ops/s | crypto.hash / noble |')
out('|---|---|---|---|---|---|---|---|---|')
const prevHex = 'ab'.repeat(32)
const encoder = new TextEncoder()
const hashChoice = []
for (const [label, size] of [['typical decision', 0], ['with 1 KB payload', 1000], ['with 4 KB payload', 4000]]) {
  const text = prevHex + canonicalEvent(event(1, size))
  const bytes = Buffer.byteLength(text)
  const noble = measure(() => sha256(encoder.encode(text)))
  const streaming = measure(() => createHash('sha256').update(text, 'utf8').digest('hex'))
  const oneShot = measure(() => oneShotHash('sha256', text, 'hex'))
  hashChoice.push(oneShot.opsPerSec / noble.opsPerSec)
  out(`| ${label} | ${bytes} | ${fmtUs(noble.median)} | ${fmtOps(noble.opsPerSec)} | ${fmtUs(streaming.median)} | ${fmtOps(streaming.opsPerSec)} | ${fmtUs(oneShot.median)} | ${fmtOps(oneShot.opsPerSec)} | ${(oneShot.opsPerSec / noble.opsPerSec).toFixed(1)}× |`)
}
out()
out(`Result: node:crypto is ${Math.min(...hashChoice).toFixed(1)}–${Math.max(...hashChoice).toFixed(1)}× faster at these sizes, so the trail hashes with node:crypto's one-shot \`crypto.hash\` (runtime/audit/canonical.ts).`)
out()

// ---- hashing pipeline pieces ----
out('## Per-event CPU cost of the chain (no I/O)')
out()
out('All micro-benchmarks in this file are timed by process CPU time (see `measure`): per-op median and p99 over batches of calls, and ops per CPU-second.')
out()
out('| step | median | p99 | ops/s |')
out('|---|---|---|---|')
const ev = event(1, 0)
const rawDetails = Array.from({ length: 1000 }, (_, i) => details(i, 0))
const maskM = measure((i) => maskSensitive(rawDetails[i % 1000]))
out(`| maskSensitive(details) | ${fmtUs(maskM.median)} | ${fmtUs(maskM.p99)} | ${fmtOps(maskM.opsPerSec)} |`)
const canon = measure(() => canonicalEvent(ev))
out(`| canonical(event) | ${fmtUs(canon.median)} | ${fmtUs(canon.p99)} | ${fmtOps(canon.opsPerSec)} |`)
const chain = measure(() => chainHash('ab'.repeat(32), ev))
out(`| chainHash (canonical + SHA-256) | ${fmtUs(chain.median)} | ${fmtUs(chain.p99)} | ${fmtOps(chain.opsPerSec)} |`)
const line = { ...ev, previousHash: 'ab'.repeat(32), hash: 'cd'.repeat(32) }
const ser = measure(() => serializeEvent(line))
out(`| serializeEvent (the JSON line) | ${fmtUs(ser.median)} | ${fmtUs(ser.p99)} | ${fmtOps(ser.opsPerSec)} |`)

// ---- Ed25519 ----
const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const h = 'cd'.repeat(32)
const sig = signHash(h, privateKey)
const signM = measure(() => signHash(h, privateKey), { batch: 200 })
const verM = measure(() => verifyHashSignature(h, sig, publicKey), { batch: 200 })
out(`| Ed25519 sign (node:crypto) | ${fmtUs(signM.median)} | ${fmtUs(signM.p99)} | ${fmtOps(signM.opsPerSec)} |`)
out(`| Ed25519 verify (node:crypto) | ${fmtUs(verM.median)} | ${fmtUs(verM.p99)} | ${fmtOps(verM.opsPerSec)} |`)
out()

// ---- appends to disk ----
out('## Appends to an audit log file')
out()
out('Each append masks `details`, chains, (signs), and resolves after its batch is written (and, durable, fdatasync-ed).')
out('"in flight" is how many appends the caller keeps outstanding: 1 = await each append before the next;')
out('with more, appends that arrive while a write/fsync runs share the next one (group commit).')
out('"every+thread" is every-event signing with `signingThread: true` (Ed25519 on a worker thread).')
out('Event: a typical policy decision (canonical form ' + Buffer.byteLength(canonicalEvent(ev)) + ' B; "bytes/event" is the log size divided by the events appended).')
out()
out('"events/CPU-s" divides by the CPU time this process used (user + system), which is what one dedicated core')
out('would sustain when I/O waits overlap with work; on a loaded machine it is the steadier of the two figures.')
out()
out('| signing | durable | in flight | events | bytes/event | events/s (wall) | events/CPU-s | append latency median | p99 | goal |')
out('|---|---|---|---|---|---|---|---|---|---|')
const dir = mkdtempSync(join(tmpdir(), 'symbi-audit-bench-'))
const results = {}
async function appendRun(mode, durable, inflight, total, many = 0) {
  const path = join(dir, `${mode}-${durable}-${inflight}-${many}.log`)
  const trail = await openAuditLog(path, { ...(mode === 'none' ? {} : { signingKey: privateKey }), mode: mode === 'every+thread' ? 'every' : mode, signingThread: mode === 'every+thread', durable, checkpointEvery: 1000, checkpointIntervalMs: 1000 })
  const lat = new Float64Array(total)
  let next = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  async function worker() {
    while (next < total) {
      if (many > 0) {
        // appendMany: one call (and one promise) for `many` events; each event gets the call's latency.
        const first = next
        const inputs = []
        while (inputs.length < many && next < total) {
          const i = next++
          inputs.push({ agentId: `agent-${i % 8}`, type: 'policy_decision', details: details(i, 0) })
        }
        const s = performance.now()
        await trail.appendMany(inputs)
        lat.fill(performance.now() - s, first, next)
        continue
      }
      const i = next++
      const s = performance.now()
      await trail.append({ agentId: `agent-${i % 8}`, type: 'policy_decision', details: details(i, 0) })
      lat[i] = performance.now() - s
    }
  }
  await Promise.all(Array.from({ length: inflight }, worker))
  const elapsed = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  await trail.close()
  const size = statSync(path).size
  const r = { eps: total / (elapsed / 1000), cpuEps: total / ((cpu.user + cpu.system) / 1e6), ...stats(lat), size, path }
  results[`${mode}/${durable}/${inflight}${many > 0 ? `/many${many}` : ''}`] = r
  return r
}
const configs = [
  ['every', true, 1, QUICK ? 300 : 1000, ''],
  ['every', true, 256, QUICK ? 5000 : 30000, '≥ 15,000/s'],
  ['every', false, 256, QUICK ? 5000 : 30000, ''],
  ['every+thread', true, 256, QUICK ? 5000 : 30000, '≥ 15,000/s'],
  ['every', true, 4, QUICK ? 5000 : 30000, '≥ 15,000/s', 256],
  ['checkpoint', true, 1, QUICK ? 300 : 1000, ''],
  ['checkpoint', true, 1024, QUICK ? 20000 : 200000, ''],
  ['checkpoint', false, 1024, QUICK ? 20000 : 200000, '≥ 100,000/s'],
  ['checkpoint', false, 4, QUICK ? 20000 : 200000, '≥ 100,000/s', 256],
  ['checkpoint', true, 4, QUICK ? 20000 : 200000, '', 256],
  ['none', false, 1024, QUICK ? 20000 : 200000, ''],
]
for (const [mode, durable, inflight, total, goal, many = 0] of configs) {
  const r = await appendRun(mode, durable, inflight, total, many)
  const want = Number(goal.replace(/[^0-9]/g, ''))
  const met = goal === '' ? '' : `${goal}: wall ${r.eps >= want ? 'met' : 'missed'}, CPU ${r.cpuEps >= want ? 'met' : 'missed'}`
  out(`| ${mode} | ${durable ? 'yes' : 'no'} | ${many > 0 ? `${inflight} × appendMany(${many})` : inflight} | ${fmtOps(total)} | ${Math.round(r.size / total)} | ${fmtOps(r.eps)} | ${fmtOps(r.cpuEps)} | ${r.median.toFixed(3)} ms | ${r.p99.toFixed(3)} ms | ${met} |`)
}
out()

// ---- verify ----
out('## Verifying a log file')
out()
out('| log | events | with public key | events/s |')
out('|---|---|---|---|')
for (const key of ['every/false/256', 'checkpoint/false/1024']) {
  const r = results[key]
  const t0 = performance.now()
  const v = await verify(r.path, { publicKey })
  const dt = performance.now() - t0
  if (!v.ok) throw new Error(`bench log did not verify: ${v.code} ${v.message}`)
  out(`| ${key.split('/')[0]} (${(r.size / 2 ** 20).toFixed(1)} MiB) | ${fmtOps(v.count)} | yes (${v.signatures} signatures) | ${fmtOps(v.count / (dt / 1000))} |`)
}
out()
rmSync(dir, { recursive: true, force: true })

out('## Goals')
out()
const goal = (label, key, want, extra) => {
  const r = results[key]
  const usPerEvent = 1e6 / r.cpuEps
  const v = (x) => (x >= want ? 'met' : `missed by ${Math.round((1 - x / want) * 100)}%`)
  out(`- ${label}, goal ≥ ${fmtOps(want)}/s: wall clock ${fmtOps(r.eps)}/s (${v(r.eps)}); per CPU-second ${fmtOps(r.cpuEps)} (${v(r.cpuEps)}; ${usPerEvent.toFixed(1)} µs CPU per event). ${extra}`)
}
const pieces = maskM.median + chain.median + ser.median
goal('Every event signed, durable, 256 appends in flight', 'every/true/256', 15_000, `An Ed25519 signature alone costs ${fmtUs(signM.median)} (median) here.`)
goal('Every event signed, durable, 4 × appendMany(256)', 'every/true/4/many256', 15_000, '')
const durableCp = results['checkpoint/true/1024']
goal('Checkpoints every 1000 events / 1 s, 1024 appends in flight (not durable)', 'checkpoint/false/1024', 100_000,
  `One promise per event (and its reaction) is part of every append; with fdatasync the same run gives ${fmtOps(durableCp.eps)}/s.`)
goal('Checkpoints every 1000 events / 1 s, 4 × appendMany(256) (not durable)', 'checkpoint/false/4/many256', 100_000,
  `appendMany takes a batch of events with one promise. Durable, the same run gives ${fmtOps(results['checkpoint/true/4/many256'].eps)}/s: durable throughput is also bounded by (events in flight) / (fdatasync latency), since one batch is synced at a time. ` +
  `Masking + canonical/SHA-256 + JSON line measure ${fmtUs(pieces)} per event in isolation; the rest is batching, the write syscalls and garbage collection. Each batch's lines are encoded into one reused buffer as they are serialised (joining them into one string and encoding that measured 4.5–7 µs per event in a micro-benchmark of a 1,000-event batch).`)
out()
out(`Load average at end (1/5/15 min): ${load()}.`)

if (!QUICK) {
  writeFileSync(new URL('./results/enforcement-audit.md', import.meta.url), lines.join('\n') + '\n')
  console.log('\nwrote bench/results/enforcement-audit.md')
}
