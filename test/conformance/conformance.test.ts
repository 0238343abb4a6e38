/**
 * The conformance corpus (STYLE.md §12): data-only cases `test/conformance/<group>/<case>.json`
 * run through the reference interpreter, the compiled evaluator and the engine. All three must
 * agree with the case's expectation, and the interpreter and the compiled evaluator must return
 * identical decisions.
 *
 * A case:
 * ```json
 * { "policy": "policy p { … }" | ["…", "…"],
 *   "request": { … },
 *   "expect": "allow" | "deny" | "allow_with_conditions" | "require_approval"
 *           | { "effect": …, "code"?: "EVAL105", "reason"?: "substring", "conditions"?: [...],
 *               "approvers"?: [...], "determining"?: ["policy[0]", …], "errors"?: 0 },
 *   "schema"?: { … }, "ladders"?: { "priority": ["low", "high"] }, "note"?: "why" }
 * ```
 * `code` must appear among the decision's errors; `reason` is a substring of the deny reason;
 * `errors` is the exact number of evaluation errors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret } from '../../compiler/index.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Condition, Decision } from '../../stdlib/decision.js'

type Effect = Decision['effect']

interface Expectation {
  readonly effect: Effect
  readonly code?: string
  readonly reason?: string
  readonly conditions?: readonly Condition[]
  readonly approvers?: readonly string[]
  readonly determining?: readonly string[]
  readonly errors?: number
}

interface Case {
  readonly policy: string | readonly string[]
  readonly request: AuthzRequest
  readonly expect: Effect | Expectation
  readonly schema?: unknown
  readonly ladders?: Readonly<Record<string, readonly string[]>>
  readonly note?: string
}

const ROOT = new URL('.', import.meta.url).pathname
const EFFECTS: readonly Effect[] = ['allow', 'deny', 'allow_with_conditions', 'require_approval']

function loadCases(): { group: string; name: string; file: string }[] {
  const out: { group: string; name: string; file: string }[] = []
  for (const group of readdirSync(ROOT).sort()) {
    const dir = join(ROOT, group)
    if (!statSync(dir).isDirectory()) continue
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.json')) out.push({ group, name: f.slice(0, -5), file: join(dir, f) })
  }
  return out
}

function parseCase(file: string): Case {
  const c = JSON.parse(readFileSync(file, 'utf8')) as Case
  if (typeof c.policy !== 'string' && !Array.isArray(c.policy)) throw new Error(`${file}: "policy" must be a string or an array of strings`)
  if (c.expect === undefined) throw new Error(`${file}: "expect" is missing`)
  const effect = typeof c.expect === 'string' ? c.expect : c.expect.effect
  if (!EFFECTS.includes(effect)) throw new Error(`${file}: unknown effect ${String(effect)}`)
  return c
}

/** Checks a decision against an expectation; returns the mismatches in words. */
export function mismatches(d: Decision, expected: Effect | Expectation): string[] {
  const e: Expectation = typeof expected === 'string' ? { effect: expected } : expected
  const out: string[] = []
  if (d.effect !== e.effect) out.push(`effect ${d.effect}, expected ${e.effect}${d.effect === 'deny' ? ` (reason: ${d.reason})` : ''}`)
  if (e.code !== undefined && !d.errors.some((x) => x.code === e.code)) out.push(`no error with code ${e.code}; errors: ${JSON.stringify(d.errors.map((x) => x.code))}`)
  if (e.reason !== undefined && !(d.effect === 'deny' && d.reason.includes(e.reason))) out.push(`reason ${d.effect === 'deny' ? JSON.stringify(d.reason) : '(none)'} does not contain ${JSON.stringify(e.reason)}`)
  if (e.conditions !== undefined) {
    const got = d.effect === 'allow_with_conditions' ? d.conditions : []
    if (JSON.stringify(got) !== JSON.stringify(e.conditions)) out.push(`conditions ${JSON.stringify(got)}, expected ${JSON.stringify(e.conditions)}`)
  }
  if (e.approvers !== undefined) {
    const got = d.effect === 'require_approval' ? d.approvers : []
    if (JSON.stringify(got) !== JSON.stringify(e.approvers)) out.push(`approvers ${JSON.stringify(got)}, expected ${JSON.stringify(e.approvers)}`)
    if (d.effect === 'require_approval' && d.approver !== e.approvers[0]) out.push(`approver ${d.approver}, expected ${String(e.approvers[0])}`)
  }
  if (e.determining !== undefined) {
    const got = d.determining.map((r) => `${r.policy}[${r.rule}]`)
    if (JSON.stringify(got) !== JSON.stringify(e.determining)) out.push(`determining ${JSON.stringify(got)}, expected ${JSON.stringify(e.determining)}`)
  }
  if (e.errors !== undefined && d.errors.length !== e.errors) out.push(`${d.errors.length} errors, expected ${e.errors}: ${JSON.stringify(d.errors.map((x) => x.code))}`)
  return out
}

const cases = loadCases()

describe('conformance corpus', () => {
  it('has cases in every group', () => {
    const groups = new Set(cases.map((c) => c.group))
    for (const g of ['patterns', 'require', 'scopes', 'audit', 'combining', 'values', 'builtins', 'errors', 'requests', 'seed']) expect(groups, g).toContain(g)
    expect(cases.length).toBeGreaterThan(100)
  })

  it('detects a wrong expectation (the runner can fail)', () => {
    const d: Decision = { effect: 'deny', reason: 'no allow rule matched', determining: [], errors: [], version: 1 }
    expect(mismatches(d, 'deny')).toEqual([])
    expect(mismatches(d, 'allow')).not.toEqual([])
    expect(mismatches(d, { effect: 'deny', code: 'EVAL105' })).not.toEqual([])
    expect(mismatches(d, { effect: 'deny', reason: 'requirement not met' })).not.toEqual([])
    expect(mismatches(d, { effect: 'deny', errors: 1 })).not.toEqual([])
  })

  for (const { group, name, file } of cases) {
    it(`${group}/${name}`, () => {
      const c = parseCase(file)
      const sources = (typeof c.policy === 'string' ? [c.policy] : c.policy).map((source, i) => ({ name: `${group}-${name}-${i}.policy`, source }))
      const options = { ...(c.schema === undefined ? {} : { schema: c.schema }), ...(c.ladders === undefined ? {} : { ladders: c.ladders }) }
      const compiled = compilePolicySet(sources, options)
      const errors = compiled.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.name}: ${d.code} ${d.message}`))
      expect(errors, 'the policy must compile').toEqual([])
      const set = compiled.value
      if (set === undefined) throw new Error('no policy set')

      const viaInterpreter = interpret(set.checked, c.request, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
      const viaEvaluator = createEvaluator(set, 1).evaluate(c.request)
      const engine = createEngine(options)
      expect(engine.load(sources).ok).toBe(true)
      const viaEngine = engine.evaluate(c.request)

      expect(mismatches(viaInterpreter, c.expect), 'interpreter').toEqual([])
      expect(mismatches(viaEvaluator, c.expect), 'compiled evaluator').toEqual([])
      expect(mismatches(viaEngine, c.expect), 'engine').toEqual([])
      expect(viaEvaluator).toEqual(viaInterpreter)
      expect(viaEngine).toEqual(viaInterpreter)
    })
  }
})
