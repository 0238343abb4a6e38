// compile --target js: start-up and steady-state cost of a generated module against an engine
// that parses and compiles the same policies at start-up.
//   start-up = a fresh `node` process importing, loading and deciding one request (median of runs);
//   steady state = decisions per second on the example requests, module vs engine, same process.
// The module is generated three ways: importing the runtime helper file directly, importing the
// whole `symbi-policy/runtime` entry, and the engine path for comparison.
// Run: npx tsc -p tsconfig.json && node bench/compiled-module.mjs   (writes bench/results/compiled-module.md)
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createEngine } from '../dist/index.js'
import { generateModule } from '../dist/compiler/codegen/index.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const EXAMPLES = join(ROOT, 'examples')
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15)
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 1000)

const sources = readdirSync(EXAMPLES).filter((f) => f.endsWith('.policy') || f.endsWith('.symbi')).sort()
  .map((f) => ({ name: `examples/${f}`, source: readFileSync(join(EXAMPLES, f), 'utf8') }))
const requests = [JSON.parse(readFileSync(join(EXAMPLES, 'requests/read-secret.json'), 'utf8'))]
for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.test.json'))) {
  for (const c of JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')).cases) requests.push(c.request)
}

const engine = createEngine()
if (!engine.load(sources).ok) throw new Error('examples do not compile')
// Inside the repository so that bare specifiers (lru-cache, symbi-policy/runtime) resolve.
const scratch = join(ROOT, 'tmp', `bench-compiled-${process.pid}`)
mkdirSync(scratch, { recursive: true })
const direct = join(scratch, 'direct.mjs')
const viaIndex = join(scratch, 'via-index.mjs')
writeFileSync(direct, generateModule(engine.policySet, sources, { runtimeImport: pathToFileURL(join(ROOT, 'dist/runtime/compiled-module.js')).href }))
writeFileSync(viaIndex, generateModule(engine.policySet, sources, { runtimeImport: pathToFileURL(join(ROOT, 'dist/runtime/index.js')).href }))

const req = JSON.stringify(requests[0])
const scripts = {
  'compiled module (imports runtime/compiled-module.js)': `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(direct).href)});m.evaluate(${req});console.log(performance.now()-t)`,
  'compiled module (imports symbi-policy/runtime index)': `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(viaIndex).href)});m.evaluate(${req});console.log(performance.now()-t)`,
  'engine: import, parse, check, compile': `const t=performance.now();const {createEngine}=await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)});const e=createEngine();e.load(${JSON.stringify(sources)});e.evaluate(${req});console.log(performance.now()-t)`,
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

const startup = []
for (const [name, script] of Object.entries(scripts)) {
  const inProcess = []
  const wall = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: scratch })
    wall.push(performance.now() - t0)
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`)
    inProcess.push(Number(r.stdout.trim()))
  }
  startup.push({ name, importToDecision: median(inProcess), processWall: median(wall) })
}

const module = await import(pathToFileURL(direct).href)
for (const r of requests) {
  if (JSON.stringify(module.evaluate(r)) !== JSON.stringify(engine.evaluate(r))) throw new Error('module and engine disagree')
}

function throughput(decide) {
  for (let i = 0; i < 20_000; i++) decide(requests[i % requests.length])
  const samples = []
  const end = performance.now() + BUDGET_MS
  while (performance.now() < end) {
    const t0 = performance.now()
    for (let i = 0; i < 10_000; i++) decide(requests[i % requests.length])
    samples.push((performance.now() - t0) / 10_000)
  }
  samples.sort((a, b) => a - b)
  return { medianUs: samples[Math.floor(samples.length / 2)] * 1000, p99Us: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.99) - 1)] * 1000, ops: 1000 / samples[Math.floor(samples.length / 2)] }
}
// Alternating rounds, best round kept per evaluator, so that neither side profits from running
// second (JIT state, a busy neighbour on a shared machine).
const rounds = { module: [], engine: [] }
for (let i = 0; i < 3; i++) {
  rounds.module.push(throughput((r) => module.evaluate(r)))
  rounds.engine.push(throughput((r) => engine.evaluate(r)))
}
const best = (xs) => xs.reduce((a, b) => (b.medianUs < a.medianUs ? b : a))
const steady = [
  { name: 'compiled module', ...best(rounds.module) },
  { name: 'engine (createEngine + load)', ...best(rounds.engine) },
]
rmSync(scratch, { recursive: true, force: true })

const cpu = os.cpus()[0]?.model ?? 'unknown'
const md = [
  '# compile --target js: start-up and steady state',
  '',
  `Machine: Node ${process.version}, ${cpu}, ${os.cpus().length} cores. Policies: every example (.policy and .symbi, ${engine.policySet.checked.policies.length} policies). Requests: the ${requests.length} example requests.`,
  '',
  `## Start-up (fresh process, median of ${RUNS})`,
  '',
  '| path | import → first decision (ms) | process wall time (ms) |',
  '|---|---:|---:|',
  ...startup.map((s) => `| ${s.name} | ${s.importToDecision.toFixed(1)} | ${s.processWall.toFixed(1)} |`),
  '',
  '## Steady state (same process; median and p99 of 10,000-decision batches, per decision; best of 3 alternating rounds)',
  '',
  '| evaluator | median (µs) | p99 (µs) | decisions/s |',
  '|---|---:|---:|---:|',
  ...steady.map((s) => `| ${s.name} | ${s.medianUs.toFixed(3)} | ${s.p99Us.toFixed(3)} | ${Math.round(s.ops).toLocaleString('en-US')} |`),
  '',
]
mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
writeFileSync(join(ROOT, 'bench/results/compiled-module.md'), md.join('\n'))
console.log(md.join('\n'))
