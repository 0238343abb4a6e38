// Decision latency and throughput, side by side with the peers, on one generated ABAC workload:
//   deny export of any resource containing PII;
//   allow read/export of resource type T<k> if user.clearance >= doc.classification
//                                             && user.department == doc.department
// at 3, 1,000 and 10,000 rules, with the same 2,000 seeded requests for every engine.
// Every engine must agree with a plain reference on every checked request before it is timed.
// Run: npm run build && node bench/evaluation.mjs   (writes bench/results/evaluation.md)
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { createEngine, compilePolicySet, interpret } from '../dist/index.js'
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs'
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin'
import { createMongoAbility, AbilityBuilder } from '@casl/ability'

const SIZES = (process.env.BENCH_SIZES ?? '3,1000,10000').split(',').map(Number)
const REQUESTS = 2000
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2500)
const LADDER = ['public', 'internal', 'confidential', 'secret', 'top_secret']
const DEPARTMENTS = ['finance', 'research', 'legal', 'ops']
const rank = (c) => LADDER.indexOf(c)

function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Types T0..T(n-2): one deny rule plus n-1 allow rules make n rules. */
function typesFor(size) {
  return Array.from({ length: Math.max(1, size - 1) }, (_, k) => `T${k}`)
}

function requestsFor(size) {
  const rnd = mulberry32(42 + size)
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  const types = typesFor(size)
  const out = []
  for (let i = 0; i < REQUESTS; i++) {
    const type = rnd() < 0.9 ? pick(types) : `X${i % 7}`
    out.push({
      principal: { id: `agent-${i % 50}`, type: 'agent' },
      action: pick(['read', 'export', 'read', 'export', 'delete']),
      resource: { id: `doc-${i}`, type, classification: pick(LADDER), department: pick(DEPARTMENTS), contains_pii: rnd() < 0.2 },
      context: { user: { clearance: pick(LADDER), department: pick(DEPARTMENTS) } },
    })
  }
  return out
}

/** The intended meaning, written as plainly as possible. */
function reference(types) {
  const known = new Set(types)
  return (r) => {
    const d = r.resource
    const u = r.context.user
    if (r.action === 'export' && d.contains_pii) return false
    if (r.action !== 'read' && r.action !== 'export') return false
    return known.has(d.type) && rank(u.clearance) >= rank(d.classification) && u.department === d.department
  }
}

function policySource(types) {
  const lines = ['policy bench {', '    deny: export(doc) if doc.contains_pii']
  for (const t of types) lines.push(`    allow: [read(doc), export(doc)] if doc.type == "${t}" && user.clearance >= doc.classification && user.department == doc.department`)
  lines.push('}')
  return lines.join('\n')
}

// ───────────── engines ─────────────

// 10,000 rules of this shape are ~1.3 MB of source, above the default 1 MiB per-source limit.
const LIMITS = { maxPolicyBytes: 8 * 1024 * 1024 }

function ours(types) {
  const engine = createEngine({ limits: LIMITS })
  const t0 = performance.now()
  const r = engine.load([{ name: 'bench.policy', source: policySource(types) }])
  const loadMs = performance.now() - t0
  if (!r.ok) throw new Error(JSON.stringify(r.files))
  return { decide: (q) => engine.evaluate(q), allowed: (d) => d.effect === 'allow' || d.effect === 'allow_with_conditions', loadMs }
}

function interpreter(types) {
  const { value: set } = compilePolicySet([{ name: 'bench.policy', source: policySource(types) }], { limits: LIMITS })
  const opts = { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }
  return { decide: (q) => interpret(set.checked, q, opts), allowed: (d) => d.effect === 'allow' || d.effect === 'allow_with_conditions' }
}

/** Hand-written indexed closures: what a careful engineer would write for exactly these rules. */
function handWritten(types) {
  const byType = new Map(types.map((t) => [t, true]))
  const ALLOW = Object.freeze({ effect: 'allow', determining: [], errors: [], version: 1 })
  const DENY = Object.freeze({ effect: 'deny', reason: 'denied', determining: [], errors: [], version: 1 })
  const ranks = new Map(LADDER.map((c, i) => [c, i]))
  return {
    decide: (q) => {
      const a = typeof q.action === 'string' ? q.action : q.action.name
      const d = q.resource
      if (a === 'export' && d.contains_pii === true) return DENY
      if ((a === 'read' || a === 'export') && byType.has(d.type)) {
        const u = q.context.user
        if (ranks.get(u.clearance) >= ranks.get(d.classification) && u.department === d.department) return ALLOW
      }
      return DENY
    },
    allowed: (d) => d.effect === 'allow',
  }
}

/** Cedar has no string order: clearance and classification become their ladder ranks (Long). */
function cedar(types, id) {
  const policies = ['@id("pii") forbid(principal, action == Action::"export", resource) when { resource.contains_pii };']
  types.forEach((t, k) =>
    policies.push(`@id("a${k}") permit(principal, action in [Action::"read", Action::"export"], resource) when { resource.type == "${t}" && context.user.clearance >= resource.classification && context.user.department == resource.department };`),
  )
  const ok = preparsePolicySet(id, { staticPolicies: policies.join('\n') })
  if (ok.type !== 'success') throw new Error(JSON.stringify(ok))
  return {
    prepare: (q) => ({
      principal: { type: 'Agent', id: q.principal.id },
      action: { type: 'Action', id: q.action },
      resource: { type: 'Doc', id: q.resource.id },
      context: { user: { clearance: rank(q.context.user.clearance), department: q.context.user.department } },
      entities: [{ uid: { type: 'Doc', id: q.resource.id }, attrs: { ...q.resource, classification: rank(q.resource.classification) }, parents: [] }],
      preparsedPolicySetId: id,
    }),
    decide: (call) => statefulIsAuthorized(call),
    allowed: (a) => a.type === 'success' && a.response.decision === 'allow',
  }
}

async function casbin(types) {
  const model = newModelFromString(`
[request_definition]
r = sub, obj, act
[policy_definition]
p = typ, act, eft
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = r.act == p.act && ((p.eft == "deny" && r.obj.contains_pii == true) || (p.eft == "allow" && r.obj.type == p.typ && r.sub.clearance >= r.obj.classification && r.sub.department == r.obj.department))
`)
  const lines = ['p, *, export, deny']
  for (const t of types) lines.push(`p, ${t}, read, allow`, `p, ${t}, export, allow`)
  const e = await newEnforcer(model, new StringAdapter(lines.join('\n')))
  return {
    prepare: (q) => [
      { clearance: rank(q.context.user.clearance), department: q.context.user.department },
      { type: q.resource.type, classification: rank(q.resource.classification), department: q.resource.department, contains_pii: q.resource.contains_pii },
      q.action,
    ],
    decide: (args) => e.enforceSync(...args),
    allowed: (b) => b === true,
  }
}

/** CASL: abilities are per user (CASL's model), built once per distinct user and cached, untimed. */
function casl(types) {
  const abilities = new Map()
  const abilityFor = (u) => {
    const key = `${u.clearance}|${u.department}`
    let a = abilities.get(key)
    if (!a) {
      const { can, cannot, build } = new AbilityBuilder(createMongoAbility)
      const allowed = LADDER.slice(0, rank(u.clearance) + 1)
      for (const t of types) can(['read', 'export'], 'Doc', { type: t, classification: { $in: allowed }, department: u.department })
      cannot('export', 'Doc', { contains_pii: true })
      a = build({ detectSubjectType: (o) => o.__type })
      abilities.set(key, a)
    }
    return a
  }
  return {
    prepare: (q) => [abilityFor(q.context.user), q.action, { __type: 'Doc', ...q.resource }],
    decide: ([ability, action, subject]) => ability.can(action, subject),
    allowed: (b) => b === true,
  }
}

// ───────────── timing ─────────────

function timerOverhead() {
  const xs = []
  for (let i = 0; i < 20000; i++) {
    const t = process.hrtime.bigint()
    xs.push(Number(process.hrtime.bigint() - t))
  }
  xs.sort((a, b) => a - b)
  return xs[xs.length >> 1]
}

function measure(engine, inputs, overhead) {
  const n = inputs.length
  let sink = 0
  const warmEnd = performance.now() + Math.min(500, BUDGET_MS / 4)
  for (let i = 0; performance.now() < warmEnd || i < Math.min(n, 200); i++) sink += engine.allowed(engine.decide(inputs[i % n])) ? 1 : 0
  const samples = []
  const end = performance.now() + BUDGET_MS / 2
  for (let i = 0; performance.now() < end || samples.length < Math.min(n, 100); i++) {
    const x = inputs[i % n]
    const t = process.hrtime.bigint()
    const d = engine.decide(x)
    samples.push(Number(process.hrtime.bigint() - t) - overhead)
    sink += d ? 1 : 0
  }
  samples.sort((a, b) => a - b)
  const q = (p) => Math.max(0, samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]) / 1000
  // Throughput without per-call timers: whole passes over the inputs.
  let calls = 0
  const t0 = performance.now()
  const tEnd = t0 + BUDGET_MS / 2
  while (performance.now() < tEnd || calls < Math.min(n, 100)) {
    for (let i = 0; i < n && (calls < 100 || performance.now() < tEnd); i++, calls++) sink += engine.decide(inputs[i]) ? 1 : 0
  }
  const secs = (performance.now() - t0) / 1000
  return { p50: q(0.5), p99: q(0.99), perSec: calls / secs, samples: samples.length, sink }
}

function fmtUs(x) {
  return x < 10 ? x.toFixed(3) : x < 1000 ? x.toFixed(1) : x.toFixed(0)
}

const overhead = timerOverhead()
const rows = []
const loads = []
let cedarId = 0
for (const size of SIZES) {
  const types = typesFor(size)
  const requests = requestsFor(size)
  const ref = reference(types)
  const expected = requests.map(ref)
  const engines = [
    ['symbi-policy compiled engine', ours(types)],
    ['symbi-policy interpreter', interpreter(types)],
    ['hand-written indexed closures', handWritten(types)],
    ['@cedar-policy/cedar-wasm', cedar(types, `bench${cedarId++}`)],
    ['casbin', await casbin(types)],
    ['@casl/ability', casl(types)],
  ]
  loads.push({ size, ms: engines[0][1].loadMs })
  for (const [name, e] of engines) {
    const inputs = e.prepare ? requests.map(e.prepare) : requests
    // Agreement first: slow engines are checked on a prefix so the run stays bounded; the count is reported.
    const t0 = performance.now()
    let checked = 0
    for (let i = 0; i < inputs.length; i++) {
      const got = e.allowed(e.decide(inputs[i]))
      if (got !== expected[i]) throw new Error(`${name} disagrees with the reference at ${size} rules on request ${i}: ${JSON.stringify(requests[i])} → ${got}`)
      checked++
      if (performance.now() - t0 > 20_000) break
    }
    const m = measure(e, inputs, overhead)
    rows.push({ size, name, checked, ...m })
    console.log(`${String(size).padStart(6)} ${name.padEnd(32)} p50 ${fmtUs(m.p50).padStart(9)} µs  p99 ${fmtUs(m.p99).padStart(9)} µs  ${Math.round(m.perSec).toLocaleString('en-US').padStart(12)}/s  agreed on ${checked}/${inputs.length}`)
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
const lines = [
  '# Evaluation benchmark',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  `Workload: deny export of PII; allow read/export of type T<k> if clearance >= classification && same department; ${REQUESTS} seeded requests per size (10% of unknown type, 20% PII).`,
  `Latency: per-call \`process.hrtime.bigint()\` samples over ${BUDGET_MS / 2} ms per engine, timer overhead (${overhead} ns median) subtracted; throughput: whole passes without per-call timers.`,
  'Every engine agreed with a plain reference implementation on the requests counted in "agreed" before timing (slow engines are checked on a bounded prefix).',
  'Our engines return full Decision objects (effect, reason, determining rules, errors, version); no decision cache. Cedar and casbin see ranks instead of ladder strings (they have no string order); CASL abilities are built per distinct user once, untimed.',
  '',
  '| rules | engine | p50 (µs) | p99 (µs) | decisions/s | agreed |',
  '|---:|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.size} | ${r.name} | ${fmtUs(r.p50)} | ${fmtUs(r.p99)} | ${Math.round(r.perSec).toLocaleString('en-US')} | ${r.checked} |`),
  '',
  '## Loading (parse, check, compile) into the engine',
  '',
  '| rules | load (ms) |',
  '|---:|---:|',
  ...loads.map((l) => `| ${l.size} | ${l.ms.toFixed(1)} |`),
  '',
]
writeFileSync(new URL('./results/evaluation.md', import.meta.url), lines.join('\n'))
console.log('wrote bench/results/evaluation.md')
