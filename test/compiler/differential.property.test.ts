/**
 * Differential test (STYLE.md §12): random policy sets and requests must get IDENTICAL
 * decisions — effect, reason, conditions, approvers, determining rules, errors and version —
 * from generated code, from the closures and from the reference interpreter (all three pairs). Each generated set is asked
 * several requests through one evaluator, so that its plan cache and equality index are reused
 * across requests as they are in production.
 *
 * Runs: SYMBI_PROPERTY_RUNS (default 2000 sets).
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, interpret } from '../../compiler/index.js'
import type { PolicySet } from '../../compiler/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { planPolicySet, planRequest, policySet, request, VOCABULARIES } from './policy-arbitrary.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 2000)
const LADDERS = { priority: ['low', 'medium', 'high'] }
const VERSION = 7

function compile(sources: readonly string[], vocabulary = 0): PolicySet {
  const r = compilePolicySet(sources.map((source, i) => ({ name: `gen${i}.policy`, source })), { ladders: LADDERS })
  if (r.value === undefined) {
    const ds = r.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.name} ${d.code} ${d.message}`))
    throw new Error(`generated set does not compile:\n${sources.join('\n')}\n${ds.join('\n')}`)
  }
  // Schema action groups, set directly: a schema would also type-check the generated guards,
  // which read undeclared names on purpose.
  const groups = VOCABULARIES[vocabulary] ?? []
  return groups.length === 0 ? r.value : { ...r.value, checked: { ...r.value.checked, vocabulary: { groupsOf: new Map(groups) } } }
}

/** A decider under test, built once per set and asked every request. */
type Decider = (set: PolicySet) => (req: AuthzRequest) => Decision

function generatedEvaluator(set: PolicySet) {
  const e = createEvaluator(set, VERSION)
  // This suite must not quietly test closures twice: code generation is allowed under vitest.
  if (e.mode !== 'generated') throw new Error(`expected generated code, got ${e.mode}`)
  return e
}
/**
 * Generated code, held to it: a chunk that fails to build falls back to closures (decisions stay
 * right, so the comparison alone would not notice a broken generator); every request is also
 * checked to have run without such a fallback.
 */
const generated: Decider = (set) => {
  const e = generatedEvaluator(set)
  return (req) => {
    const d = e.evaluate(req)
    if (e.fallbackRuns !== 0) throw new Error(`generated code fell back to closures for ${e.fallbackRuns} run(s) of this set`)
    return d
  }
}
/**
 * Generated code with its plan functions at work: each request is decided twice (a name's first
 * request makes its plan function, so the second may be decided by it), both answers compared.
 * `planned` counts the sets that made at least one plan function.
 */
let planned = 0
const generatedTwice: Decider = (set) => {
  const e = generatedEvaluator(set)
  let counted = false
  return (req) => {
    const first = e.evaluate(req)
    const second = e.evaluate(req)
    if (!isDeepStrictEqual(first, second)) throw new Error(`a second evaluation differs\nfirst:  ${JSON.stringify(first)}\nsecond: ${JSON.stringify(second)}`)
    if (!counted && e.fastPlans > 0) {
      counted = true
      planned++
    }
    return second
  }
}
const closures: Decider = (set) => createEvaluator(set, VERSION, undefined, { mode: 'closures' }).evaluate
const interpreter = (set: PolicySet, req: AuthzRequest): Decision => interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: VERSION })

/**
 * Asserts that `decider` agrees with `reference` (the interpreter unless given) on `runs` random
 * sets; returns the fast-check report.
 */
function agreement(decider: Decider, runs: number, seed?: number, referenceDecider?: Decider, sets = policySet, requests_ = request) {
  return fc.check(
    fc.property(sets, fc.nat(VOCABULARIES.length - 1), fc.array(requests_, { minLength: 1, maxLength: 6 }), (sources, vocabulary, requests) => {
      const set = compile(sources, vocabulary)
      const decide = decider(set)
      const reference = referenceDecider?.(set) ?? ((req: AuthzRequest) => interpreter(set, req))
      for (const req of requests) {
        const got = decide(req)
        const want = reference(req)
        if (!isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want))) || !isDeepStrictEqual(got, want)) {
          throw new Error(`decisions differ\nrequest: ${JSON.stringify(req)}\ncompiled:    ${JSON.stringify(got)}\ninterpreter: ${JSON.stringify(want)}`)
        }
      }
    }),
    { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
  )
}

/** Counts how often each effect and error code came up, to show the generator reaches every path. */
function coverage(runs: number): Map<string, number> {
  const seen = new Map<string, number>()
  const bump = (k: string): void => void seen.set(k, (seen.get(k) ?? 0) + 1)
  fc.assert(
    fc.property(policySet, request, (sources, req) => {
      const d = interpreter(compile(sources), req)
      bump(d.effect)
      if (d.effect === 'deny') bump(d.reason.startsWith('invalid request') ? 'deny:request' : d.reason.startsWith('denied because') ? 'deny:error' : d.reason.startsWith('requirement') ? 'deny:requirement' : d.reason.startsWith('no allow') ? 'deny:default' : 'deny:rule')
      for (const e of d.errors) bump(e.code)
    }),
    { numRuns: runs, seed: 42 },
  )
  return seen
}

describe('generated code ≡ closures ≡ reference interpreter', () => {
  it(`generated code agrees with the interpreter on ${RUNS} random policy sets`, () => {
    const report = agreement(generated, RUNS)
    if (report.failed) throw new Error(fc.defaultReportMessage(report))
  }, 300_000)

  it(`generated code with plan functions agrees with the interpreter on ${RUNS} random policy sets`, () => {
    planned = 0
    const report = agreement(generatedTwice, RUNS, undefined, undefined, planPolicySet, planRequest)
    if (report.failed) throw new Error(fc.defaultReportMessage(report))
    // The property must reach plan functions, not only the full path.
    expect(planned).toBeGreaterThan(RUNS / 2)
  }, 300_000)

  it(`closures agree with the interpreter on ${RUNS} random policy sets`, () => {
    const report = agreement(closures, RUNS)
    if (report.failed) throw new Error(fc.defaultReportMessage(report))
  }, 300_000)

  it(`generated code agrees with closures on ${RUNS} random policy sets`, () => {
    const report = agreement(generated, RUNS, undefined, closures)
    if (report.failed) throw new Error(fc.defaultReportMessage(report))
  }, 300_000)

  it('reaches every outcome and the common error codes', () => {
    const seen = coverage(1500)
    for (const k of ['allow', 'deny', 'allow_with_conditions', 'require_approval', 'deny:request', 'deny:error', 'deny:requirement', 'deny:default', 'deny:rule', 'EVAL001', 'EVAL101', 'EVAL102', 'EVAL103', 'EVAL104', 'EVAL105', 'EVAL110', 'EVAL118']) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0)
    }
  }, 120_000)

  it('detects a deliberately altered decision', () => {
    // Each mutant changes one part of otherwise correct decisions; the property must catch all.
    const mutants: Record<string, (d: Decision) => Decision> = {
      effect: (d) => (d.effect === 'deny' && d.reason === 'no allow rule matched' ? { ...d, effect: 'allow' } as Decision : d),
      errors: (d) => (d.errors.length > 0 ? { ...d, errors: d.errors.slice(1) } : d),
      determining: (d) => (d.determining.length > 1 ? { ...d, determining: d.determining.slice(0, 1) } : d),
      conditions: (d) => (d.effect === 'allow_with_conditions' && d.conditions.length > 1 ? { ...d, conditions: [...d.conditions].reverse() } : d),
      version: (d) => (d.effect === 'require_approval' ? { ...d, version: d.version + 1 } : d),
    }
    for (const [name, mutate] of Object.entries(mutants)) {
      const report = agreement((set) => {
        const e = generatedEvaluator(set)
        return (req) => mutate(e.evaluate(req))
      }, 2000, 1)
      expect(report.failed, name).toBe(true)
    }
  }, 300_000)
})
