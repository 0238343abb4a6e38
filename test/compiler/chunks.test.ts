/**
 * The chunk protocol of compiler/generate/chunk.ts: what a chunk function returns and reports,
 * the closures' stand-in (`closureChunk`, used when a run's source cannot be generated) keeping
 * that protocol to the letter, how rules split into chunks, and the functions a compiled module
 * carries (`preloadedChunks`) being the ones that decide.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, compileSet, createEvaluator, interpret, normalizeRequest, type PolicySet } from '../../compiler/index.js'
import type { CompiledRule } from '../../compiler/compile-rules.js'
import { generatedChunkBodies } from '../../compiler/evaluator.js'
import { CHUNK_FAILED, CHUNK_FIRED_NONE, chunkSources, closureChunk, generateChunks, preloadedChunks, type ChunkFactory, type ChunkFn } from '../../compiler/generate/chunk.js'
import { Missing } from '../../compiler/compile-rules.js'
import type { CallContext } from '../../stdlib/builtin-types.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { EvalError } from '../../stdlib/value.js'

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'c.policy', source }])
  if (!r.value) throw new Error(`${source}: ${JSON.stringify(r.files)}`)
  return r.value
}

// Rules that fire, fail, report a missing argument, return a non-boolean, match by folded
// (deny) and exact (allow) names, by groups, by `any` and by literal arguments.
const GUARDS = [
  'doc.quarantined',
  'doc.size > 10',
  'principal.level',
  'doc.owner == principal.id && principal.level >= 3',
  'doc.kind in ["memo", "note"]',
  'principal.clearance >= doc.classification',
]
const PATTERNS = ['read(doc)', 'Shout(doc)', 'export(doc, target)', 'any', '[read(doc), write(doc)]', 'read("d7")', 'admin']

function source(kind: 'deny' | 'allow'): string {
  const lines = ['policy c {']
  for (const p of PATTERNS) for (const g of GUARDS) lines.push(`  ${kind}: ${p} if ${g.replaceAll('doc', p.includes('doc') ? 'doc' : 'resource')}`)
  lines.push('}')
  return lines.join('\n')
}

const REQUESTS: AuthzRequest[] = [
  { principal: { id: 'al', level: 5, clearance: 'secret' }, action: 'read', resource: { id: 'd1', owner: 'al', size: 3, quarantined: false, kind: 'memo', classification: 'internal' } },
  { principal: { id: 'al', level: 1, clearance: 'public' }, action: 'read', resource: { id: 'd7', owner: 'bo', size: 30, quarantined: true, kind: 'x', classification: 'secret' } },
  { principal: { id: 'al', level: 5 }, action: 'READ', resource: { id: 'd1', owner: 'al', size: 3, quarantined: false } },
  { principal: { id: 'al', level: true }, action: 'Shout', resource: { id: 'd1', owner: 'al', quarantined: 'yes' } },
  { principal: { id: 'al', level: 4 }, action: 'shout', resource: { id: 'd1', owner: 'al', quarantined: false, size: 1 } },
  { principal: { id: 'al', level: 4 }, action: { name: 'export', args: [{ id: 'd1', owner: 'al', size: 20 }] } },
  { principal: { id: 'al', level: 4 }, action: { name: 'export', args: [{ id: 'd1', owner: 'al', size: 2, quarantined: false }, 'elsewhere'] } },
  { principal: { id: 'al', level: 4 }, action: { name: 'write', groups: ['admin'] }, resource: { id: 'd1', owner: 'al', size: 2, kind: 'note', quarantined: false } },
  { principal: { id: 'al' }, action: 'admin' },
  { principal: { id: 'al', level: false, clearance: 'public' }, action: 'list', resource: { id: 'd9', owner: 'bo', size: 1, quarantined: false, kind: 'x', classification: 'secret' } },
  { principal: { id: 'al', level: 9, clearance: 'zebra' }, action: 'write', resource: { id: 'd2', owner: 'al', classification: 'secret', quarantined: false, size: 5, kind: 7 } },
]

/** What a chunk reported in `E`, comparable across implementations. */
function reported(E: readonly unknown[]): string[] {
  const out: string[] = []
  for (let i = 0; i < E.length; i += 2) {
    const what = E[i + 1]
    const text = what instanceof EvalError ? `error ${what.code}: ${what.message}` : what instanceof Missing ? `missing ${what.index}` : `value ${JSON.stringify(what)}`
    out.push(`${String(E[i])} ${text}`)
  }
  return out
}

function run(fn: ChunkFn, K: readonly (readonly unknown[])[], req: ReturnType<typeof normalizeRequest>, c: CallContext): { result: number; reports: string[] } {
  const E: unknown[] = []
  const result = fn(req, c, K, E)
  return { result, reports: reported(E) }
}

describe('closureChunk keeps the chunk protocol of generated chunks', () => {
  for (const kind of ['deny', 'allow'] as const) {
    it(`${kind} runs: the same result and the same reports for every request`, () => {
      const set = compile(source(kind))
      const rules = compileSet(set).filter((r) => r.checked.kind === kind)
      expect(rules.length).toBe(PATTERNS.length * GUARDS.length)
      const env = { functions: set.functions, ladders: set.ladders }
      const chunks = generateChunks(rules, env)
      const closures = closureChunk(rules)
      const c: CallContext = { now: Number.NaN, ladders: set.ladders, limits: set.limits }
      const seen = new Set<number>()
      for (const request of REQUESTS) {
        const req = normalizeRequest(request, set.checked.vocabulary)
        // The closures chunk covers the whole run; the generated chunks split it: run them in order
        // as the evaluator does, with rule indexes offset to the run.
        let generated = { result: CHUNK_FIRED_NONE, reports: [] as string[] }
        let offset = 0
        for (const chunk of chunks) {
          const r = run(chunk.fn, chunk.K, req, c)
          generated.reports.push(...r.reports.map((x) => x.replace(/^\d+/, (n) => String(Number(n) + offset))))
          if (r.result !== CHUNK_FIRED_NONE) {
            generated = { result: r.result >= 0 ? r.result + offset : r.result, reports: generated.reports }
            break
          }
          offset += chunk.rules.length
        }
        const closed = run(closures.fn, closures.K, req, c)
        expect(closed, JSON.stringify(request)).toEqual(generated)
        seen.add(closed.result < 0 ? closed.result : 0)
        // Deny runs stop at the first failure; allow runs go on and report each.
        if (kind === 'deny' && closed.result === CHUNK_FAILED) expect(closed.reports).toHaveLength(1)
      }
      // The requests reach every outcome: a rule fired, none did, and (deny runs) a failure.
      expect([...seen].sort((a, b) => a - b)).toEqual(kind === 'deny' ? [CHUNK_FAILED, CHUNK_FIRED_NONE, 0] : [CHUNK_FIRED_NONE, 0])
    })
  }

  it('allow rules match action names exactly and deny rules folded, in both', () => {
    const set = compile('policy c {\n  deny: Shout(doc) if doc.loud\n  allow: Shout(doc) if true\n}')
    const rules = compileSet(set)
    const env = { functions: set.functions, ladders: set.ladders }
    const c: CallContext = { now: Number.NaN, ladders: set.ladders, limits: set.limits }
    const outcomes = (r: CompiledRule, action: string): number[] => {
      const req = normalizeRequest({ principal: { id: 'a' }, action, resource: { id: 'd', loud: true } }, set.checked.vocabulary)
      const [chunk] = generateChunks([r], env)
      const closures = closureChunk([r])
      return [chunk!.fn(req, c, chunk!.K, []), closures.fn(req, c, closures.K, [])]
    }
    const [deny, allow] = rules as [CompiledRule, CompiledRule]
    expect(outcomes(deny, 'Shout')).toEqual([0, 0])
    expect(outcomes(deny, 'shout')).toEqual([0, 0])
    expect(outcomes(allow, 'Shout')).toEqual([0, 0])
    expect(outcomes(allow, 'shout')).toEqual([CHUNK_FIRED_NONE, CHUNK_FIRED_NONE])
  })
})

describe('how rules split into chunks', () => {
  const allows = (n: number, guard: (i: number) => string): { rules: readonly CompiledRule[]; set: PolicySet } => {
    const lines = ['policy c {']
    for (let i = 0; i < n; i++) lines.push(`  allow: read(doc) if ${guard(i)}`)
    lines.push('}')
    const set = compile(lines.join('\n'))
    return { set, rules: compileSet(set) }
  }

  it('at most 64 rules per chunk, in order, none lost', () => {
    const { set, rules } = allows(200, (i) => `doc.n == ${i}`)
    const chunks = chunkSources(rules, { functions: set.functions, ladders: set.ladders })
    expect(chunks.map((c) => c.rules.length)).toEqual([64, 64, 64, 8])
    expect(chunks.flatMap((c) => c.rules)).toEqual(rules)
  })

  it('a chunk over 24,000 characters of source is halved until it fits; a rule alone is never split', () => {
    // Each guard reads 12 attributes of its own: a reader function each, several thousand characters of source.
    const { set, rules } = allows(40, (i) => Array.from({ length: 12 }, (_, j) => `doc.r${i}x${j} == ${j}`).join(' && '))
    const chunks = chunkSources(rules, { functions: set.functions, ladders: set.ladders })
    expect(chunks.flatMap((c) => c.rules)).toEqual(rules)
    for (const c of chunks) if (c.rules.length > 1) expect(c.body.length).toBeLessThanOrEqual(24_000)
    // Halving stops at the first size that fits: no chunk but the last is less than half full.
    const full = Math.max(...chunks.map((c) => c.rules.length))
    expect(chunks.length).toBeGreaterThan(1)
    expect(full).toBeGreaterThan(1)
    for (const c of chunks.slice(0, -1)) expect(c.rules.length).toBeGreaterThanOrEqual(full / 2)
    // One rule whose source alone is over the limit is a chunk of its own, and decides.
    // A balanced `||` of 400 comparisons (a chain that long nests deeper than the parser allows).
    const balanced = (xs: string[]): string => (xs.length === 1 ? (xs[0] as string) : `(${balanced(xs.slice(0, xs.length >> 1))} || ${balanced(xs.slice(xs.length >> 1))})`)
    const huge = allows(1, () => balanced(Array.from({ length: 400 }, (_, j) => `doc.a${j} == ${j}`)))
    const one = chunkSources(huge.rules, { functions: huge.set.functions, ladders: huge.set.ladders })
    expect(one).toHaveLength(1)
    expect(one[0]!.body.length).toBeGreaterThan(24_000)
    const ev = createEvaluator(huge.set, 1, huge.rules)
    const attrs = Object.fromEntries(Array.from({ length: 400 }, (_, j) => [`a${j}`, -1]))
    expect(ev.evaluate({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', ...attrs, a399: 399 } }).effect).toBe('allow')
    const missing = ev.evaluate({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', a0: 1 } })
    expect(missing.effect).toBe('deny')
    expect(missing.errors.map((e) => e.message)).toEqual([expect.stringMatching(/missing attribute 'a1'/)])
  })
})

describe('functions a compiled module carries', () => {
  it('are the ones that decide, with the interpreter’s decisions', () => {
    const set = compile(source('deny').replace('policy c {', 'policy c {\n  allow: any if principal.level >= 2'))
    const bodies = generatedChunkBodies(set)
    expect(bodies.length).toBeGreaterThan(0)
    // In a stable order, so that a compiled module's source is the same on every build.
    expect(bodies).toEqual([...bodies].sort())
    let calls = 0
    const entries = bodies.map((body): [string, ChunkFactory] => {
      const factory = new Function('$', 'U', `"use strict";\n${body}`) as ChunkFactory
      return [body, ($, U) => {
        const fn = factory($, U)
        return (req, c, K, E) => {
          calls++
          return fn(req, c, K, E)
        }
      }]
    })
    const chunks = preloadedChunks(entries)
    expect([...chunks.keys()].sort()).toEqual([...bodies].sort())
    const ev = createEvaluator(set, 1, compileSet(set), { chunks })
    expect(ev.mode).toBe('generated')
    // A request with groups of its own may need chunks no module carries (generated at run time).
    for (const request of REQUESTS.filter((r) => typeof r.action === 'string' || r.action.groups === undefined)) {
      const before = calls
      expect(ev.evaluate(request)).toEqual(interpret(set.checked, request, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 }))
      expect(calls, JSON.stringify(request)).toBeGreaterThan(before)
    }
    expect(ev.fallbackRuns).toBe(0)
  })
})

describe('string order (compiler/generate/helpers.ts `order`, compiler/compile-expr.ts `compileOrdering`)', () => {
  // `low` and `high` sit on both ladders (rungPair's cached path); `medium`, `critical` and
  // `urgent` on one each (the rank tables); `x` on none; `secret` on the built-in classification.
  const LADDERS = { severity: ['low', 'medium', 'high', 'critical'], priority: ['low', 'high', 'urgent'] }
  const REVERSED = { severity: ['critical', 'high', 'medium', 'low'], priority: ['urgent', 'high', 'low'] }
  const RUNGS = ['low', 'medium', 'high', 'critical', 'urgent', 'x', 'secret']
  // Every operator, on pairs below, equal to and above each other.
  const SOURCE = `policy o {
  deny: read(doc) if doc.level < principal.floor && doc.pinned
  deny: read(doc) if doc.level > principal.floor
  allow: read(doc) if doc.level >= principal.floor && doc.level <= principal.floor
}`
  const setWith = (ladders: Record<string, string[]>): PolicySet => {
    const r = compilePolicySet([{ name: 'o.policy', source: SOURCE }], { ladders })
    if (!r.value) throw new Error(JSON.stringify(r.files))
    return r.value
  }

  for (const mode of ['generated', 'closures'] as const) {
    it(`${mode}: agrees with the interpreter on every pair of rungs, shared or not, twice, under two alternating ladder sets`, () => {
      const sets = [setWith(LADDERS), setWith(REVERSED)]
      const evaluators = sets.map((s) => createEvaluator(s, 1, compileSet(s), { mode }))
      expect(evaluators.map((e) => e.mode)).toEqual([mode, mode])
      const outcomes = new Set<string>()
      for (let round = 0; round < 2; round++) {
        for (const a of RUNGS) {
          for (const b of RUNGS) {
            // Alternating sets: the rank table of the last ladders must never answer for the other's.
            sets.forEach((set, i) => {
              const request: AuthzRequest = { principal: { id: 'p', floor: b }, action: 'read', resource: { id: 'd', level: a, pinned: true } }
              const expected = interpret(set.checked, request, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
              expect(evaluators[i]!.evaluate(request), `${a} against ${b} (set ${i})`).toEqual(expected)
              outcomes.add(`${expected.effect} ${expected.determining.map((r) => r.rule).join()} ${expected.errors.length > 0 ? 'error' : 'ok'}`)
            })
          }
        }
      }
      // Below (deny 0), above (deny 1), equal (allow 2), and no ladder in common (a deny with the error).
      expect([...outcomes].sort()).toEqual(['allow 2 ok', 'deny 0 error', 'deny 0 ok', 'deny 1 ok'])
    })
  }
})
