/**
 * `compile --target js`: the generated module decides exactly as the engine does (examples and
 * fast-check requests), is byte-for-byte deterministic, maps rules back to policy lines, and
 * carries no policy text outside its one quoted data literal.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodegenError, compiledSetData, generateModule, quote } from '../../compiler/codegen/index.js'
import { toJsonText } from '../../compiler/codegen/format.js'
import { generatedChunkBodies } from '../../compiler/evaluator.js'
import { CompiledDataError, decodeCompiledSet, loadCompiledSet } from '../../runtime/compiled-module.js'
import { createEngine } from '../../index.js'
import { createHostFunctionRegistry, registerHostFunction } from '../../stdlib/index.js'
import { requestArbitrary, policyHints } from '../../testing/index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { engineFor, EXAMPLES, exampleSources, importModule, plain, ROOT } from './helpers.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 300)

function exampleRequests(): unknown[] {
  const out: unknown[] = [JSON.parse(readFileSync(join(EXAMPLES, 'requests/read-secret.json'), 'utf8'))]
  for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.test.json'))) {
    const t = JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { cases: { request: unknown }[] }
    for (const c of t.cases) out.push(c.request)
  }
  return out
}

describe('compile --target js: equivalence with the engine', () => {
  it('decides every example request exactly as createEngine + load', async () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const { module } = await importModule(engine, sources)
    const requests = exampleRequests()
    expect(requests.length).toBeGreaterThan(10)
    for (const r of requests) expect(plain(module.evaluate(r as AuthzRequest))).toEqual(plain(engine.evaluate(r as AuthzRequest)))
    expect(module.hash).toBe(engine.policySet?.hash)
    expect(module.version).toBe(engine.version)
  })

  it('decides generated requests exactly as the engine (fast-check, every example policy)', async () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const { module } = await importModule(engine, sources)
    const set = engine.policySet
    if (set === undefined) throw new Error('no set')
    const run = (runs: number, seed?: number): Set<string> => {
      const effects = new Set<string>()
      fc.assert(
        fc.property(requestArbitrary(undefined, {}, { hints: policyHints(set.checked, set.ladders) }), (req) => {
          const want = engine.evaluate(req)
          effects.add(want.effect)
          expect(plain(module.evaluate(req))).toEqual(plain(want))
        }),
        { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
      )
      return effects
    }
    run(RUNS)
    // The generator must reach more than the default deny for the comparison to mean anything;
    // checked on a fixed seed so that an unlucky draw cannot fail the run.
    expect(run(600, 20261202).size).toBeGreaterThanOrEqual(3)
  })

  it('equals the engine under a schema, with ladders and action groups', async () => {
    const sources = [{ name: 'p.policy', source: 'policy p {\n  allow: run if job.priority >= "medium" && len(job.tags) < 3\n  deny: run if "blocked" in job.tags\n  require: approval("ops") for batch\n}\n' }]
    const schema = { context: { job: { priority: 'string', tags: ['string'] } }, ladders: { priority: ['low', 'medium', 'high'] }, actions: { run: { groups: ['batch'] } } }
    const engine = engineFor(sources, schema)
    const { module } = await importModule(engine, sources)
    const set = engine.policySet
    if (set === undefined) throw new Error('no set')
    fc.assert(
      fc.property(requestArbitrary(schema, { action: { $oneOf: ['run', 'stop'] } }, { hints: policyHints(set.checked, set.ladders) }), (req) => {
        expect(plain(module.evaluate(req))).toEqual(plain(engine.evaluate(req)))
      }),
      { numRuns: RUNS },
    )
    const ok = { principal: { id: 'a' }, action: 'run', context: { job: { priority: 'high', tags: [] }, approvals: ['ops'] } }
    expect(module.evaluate(ok).effect).toBe('allow')
    expect(module.evaluate({ ...ok, context: { ...ok.context, approvals: [] } })).toMatchObject({ effect: 'require_approval', approver: 'ops' })
  })

  it('keeps numbers JSON cannot carry (a literal that overflows to Infinity)', async () => {
    const big = '9'.repeat(400)
    const sources = [{ name: 'big.policy', source: `policy big { allow: read if user.n < ${big} }` }]
    const engine = engineFor(sources)
    const { module, text } = await importModule(engine, sources)
    expect(text).toContain('\\"Infinity\\"')
    const req = { principal: { id: 'a' }, action: 'read', context: { user: { n: 1e300 } } }
    expect(engine.evaluate(req).effect).toBe('allow')
    expect(plain(module.evaluate(req))).toEqual(plain(engine.evaluate(req)))
  })

  it('never throws on malformed requests and denies them like the engine', async () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const { module } = await importModule(engine, sources)
    for (const bad of [null, 42, {}, { principal: {} }, { principal: { id: 1 }, action: 'read' }, { principal: { id: 'a' }, action: '' }, { principal: { id: 'a' }, action: 'read', context: { approvals: 'x' } }]) {
      const d = module.evaluate(bad as unknown as AuthzRequest)
      expect(d.effect).toBe('deny')
      expect(plain(d)).toEqual(plain(engine.evaluate(bad as unknown as AuthzRequest)))
    }
  })
})

describe('compile --target js: output', () => {
  it('is byte-identical for the same input', () => {
    const a = generateModule(engineFor(exampleSources()).policySet!, exampleSources())
    const b = generateModule(engineFor(exampleSources()).policySet!, exampleSources())
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    const other = [{ name: 'x.policy', source: 'policy x { allow: read }' }]
    expect(generateModule(engineFor(other).policySet!, other)).not.toBe(a)
  })

  it('maps every rule to its file, line and column', async () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const { module } = await importModule(engine, sources)
    const deny = module.sources.find((s) => s.policy === 'secure_data_access' && s.rule === 1)
    expect(deny).toMatchObject({ kind: 'deny', file: 'examples/secure_data_access.policy', line: 8, column: 5 })
    for (const s of module.sources) {
      const text = sources.find((x) => x.name === s.file)?.source ?? ''
      const line = text.split('\n')[s.line - 1] ?? ''
      // A channel's data_classification entries are rules too, located at their `category: action` line.
      if (s.policy.startsWith('data_classification@')) {
        // …and the final deny of unlisted classifications at the block itself.
        expect(line.slice(s.column - 1)).toMatch(/^(\w+:\s*"(deny|encrypt|encrypt_and_audit|audit)"|data_classification\s*\{)/)
        continue
      }
      expect(line.slice(s.column - 1)).toMatch(/^(allow|deny|require|audit)/)
      expect(s.kind).toBe(line.slice(s.column - 1).split(':')[0])
    }
    const d = module.evaluate({ principal: { id: 'a' }, action: 'export', resource: { id: 'r', contains_pii: true } })
    const first = d.determining[0]!
    const located = module.locate(first) as { file: string; line: number; kind: string }
    expect(located).toMatchObject({ policy: first.policy, rule: first.rule, file: first.source, kind: 'deny' })
    const lines = (sources.find((x) => x.name === located.file)?.source ?? '').split('\n')
    expect(lines[located.line - 1]).toContain('deny: export(')
  })

  it('pastes no policy text into code: the source minus the data literal and the generated functions is the same for every set', () => {
    const skeleton = (sources: { name: string; source: string }[]): string => {
      const set = engineFor(sources).policySet!
      const text = generateModule(set, sources)
      const data = quote(toJsonText(compiledSetData(set, sources)))
      expect(text.split(data).length).toBe(2)
      // The generated functions are the generator's output for this set, each keyed by its source
      // (their quoting is tested with hostile names in test/compiler/generated.test.ts).
      const bodies = generatedChunkBodies(set)
      const chunks = text.slice(text.indexOf('const chunks = [\n') + 'const chunks = [\n'.length, text.indexOf('\n];\n'))
      expect(bodies.map((b) => chunks.includes(`[${quote(b)}, function ($, U) {\n    "use strict";\n${b}\n  }],`))).toEqual(bodies.map(() => true))
      const head = text.slice(0, text.indexOf('const chunks = [\n'))
      const tail = text.slice(text.indexOf('\n];\n'))
      return `${head}const chunks = [\nCHUNKS${tail}`.replace(data, 'DATA').replace(/"[0-9a-f]{64}"/, 'HASH')
    }
    const hostile = [
      'policy evil { allow: read if user.name == "\\"); globalThis.pwned = 1; (\\"" }',
      'policy evil2 { deny: "tool_call::*" if user.note == "</script>\\u2028\\u2029${x}`\\\\" }',
      'policy evil3 { allow: write if { "__proto__": 1, "constructor": 2 } != user.rec }',
    ]
    const base = skeleton([{ name: 'a.policy', source: 'policy a { allow: read }' }])
    hostile.forEach((src, i) => expect(skeleton([{ name: `*/\n\u2028evil-${i}".policy`, source: src }])).toBe(base))
  })

  it('modules built from hostile text still load and decide like the engine', async () => {
    const sources = [{ name: 'evil.policy', source: 'policy evil {\n  allow: write if { "__proto__": 1, "constructor": 2 } != user.rec && user.name != "\\");process.exit(3);(\\""\n}' }]
    const engine = engineFor(sources)
    const { module } = await importModule(engine, sources)
    const req = { principal: { id: 'a' }, action: 'write', context: { user: { rec: {}, name: 'x' } } }
    expect(engine.evaluate(req).effect).toBe('allow')
    expect(plain(module.evaluate(req))).toEqual(plain(engine.evaluate(req)))
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined()
  })

  it('refuses sets with host functions (they are code, not data)', () => {
    const registry = createHostFunctionRegistry()
    registerHostFunction(registry, { name: 'is_weekend', params: [], returns: 'boolean', fn: () => false })
    const engine = createEngine({ hostFunctions: registry })
    const sources = [{ name: 'h.policy', source: 'policy h { allow: read if !is_weekend() }' }]
    expect(engine.load(sources).ok).toBe(true)
    expect(() => generateModule(engine.policySet!, sources)).toThrow(CodegenError)
    expect(() => generateModule(engine.policySet!, sources)).toThrow(/is_weekend/)
  })
})

describe('compile --target js: generated code in the module', () => {
  /** Imports a module in a child Node that may not generate code from strings; its mode and decisions. */
  function runWithoutEval(text: string, requests: readonly unknown[]): { evaluator: string; fallbackRuns: number; decisions: unknown[] } {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-noeval-'))
    const file = join(dir, 'policy.mjs')
    writeFileSync(file, text)
    const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const decisions = ${JSON.stringify(requests)}.map((r) => m.evaluate(r)); console.log(JSON.stringify({ evaluator: m.evaluator, fallbackRuns: m.fallbackRuns(), decisions }))`
    const run = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(run.stderr).toBe('')
    return JSON.parse(run.stdout) as { evaluator: string; fallbackRuns: number; decisions: unknown[] }
  }

  it('decides with its own generated functions where code generation from strings is disallowed', () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const text = generateModule(engine.policySet!, sources, { runtimeImport: pathToFileURL(join(ROOT, 'dist', 'runtime', 'index.js')).href })
    const requests = exampleRequests()
    const out = runWithoutEval(text, requests)
    expect(out.evaluator).toBe('generated')
    // Every run these requests needed was carried by the module: none fell back to closures.
    expect(out.fallbackRuns).toBe(0)
    expect(out.decisions).toEqual(requests.map((r) => plain(engine.evaluate(r as AuthzRequest))))
    // Compiled by another version, the functions are not used: closures decide, the same way.
    const other = runWithoutEval(text.replace('\\"compilerVersion\\":\\"', '\\"compilerVersion\\":\\"9.9.9-'), requests)
    expect(other.evaluator).toBe('closures')
    expect(other.decisions).toEqual(out.decisions)
  })
})

describe('runtime: loading compiled data', () => {
  const sources = [{ name: 'p.policy', source: 'policy p { allow: read }' }]
  const data = (): string => toJsonText(compiledSetData(engineFor(sources).policySet!, sources))

  it('rejects unknown formats, bad JSON and altered number patches with CompiledDataError', () => {
    expect(() => loadCompiledSet('{')).toThrow(CompiledDataError)
    expect(() => loadCompiledSet(data().replace('"format":2', '"format":99'))).toThrow(/format 99 is not supported/)
    // Format 1 predates policy scope: loading it would make agent policies global.
    expect(() => loadCompiledSet(data().replace('"format":2', '"format":1'))).toThrow(/format 1 is not supported/)
    expect(() => decodeCompiledSet(data().replace('"numbers":[]', '"numbers":[[["hash"],"Infinity"]]'))).toThrow(CompiledDataError)
    expect(() => decodeCompiledSet('[]')).toThrow(/must be an object/)
  })

  it('a loaded set decides', () => {
    const set = loadCompiledSet(data())
    expect(set.evaluate({ principal: { id: 'a' }, action: 'read' }).effect).toBe('allow')
    expect(set.evaluate({ principal: { id: 'a' }, action: 'write' }).effect).toBe('deny')
  })
})


describe('runtime: a loaded set cannot be changed through what it hands out', () => {
  it('sources and the rule references in decisions are frozen', () => {
    const sources = [{ name: 'p.policy', source: 'policy p {\n  allow: read if user.ok == true\n  audit: read\n}' }]
    const set = loadCompiledSet(toJsonText(compiledSetData(engineFor(sources).policySet!, sources)))
    const d = set.evaluate({ principal: { id: 'a' }, action: 'read', context: { user: { ok: true } } })
    expect(d.effect).toBe('allow_with_conditions')
    expect(() => {
      ;(d.determining[0] as { policy: string }).policy = 'other'
    }).toThrow(TypeError)
    expect(() => {
      ;(set.sources[0] as { line: number }).line = 99
    }).toThrow(TypeError)
    expect(set.evaluate({ principal: { id: 'a' }, action: 'read', context: { user: { ok: true } } }).determining[0]?.policy).toBe('p')
  })
})
