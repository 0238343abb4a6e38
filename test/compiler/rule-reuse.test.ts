/**
 * `compileSet(set, reuse)`: `symbi-policy test --mutate` recompiles a set once per mutant and
 * takes every unchanged rule from the first compile. A reused rule must decide as a fresh
 * compile would — including for-less require and audit rules, which depend on their policy's
 * targets, and rules whose policy scope the mutant changed. (In test/compiler so that the
 * mutation run of compiler/ — vitest.mutate.config.ts — reaches the reuse path.)
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'
import { compileSet, createEvaluator, ruleReuse } from '../../compiler/evaluator.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { findTestFiles, generateMutants, policyHints, readTestFile, requestArbitrary } from '../../testing/index.js'

describe('compileSet with reuse', () => {
  it('decides every mutant of the examples exactly as a fresh compile does', () => {
    const examples = resolve(import.meta.dirname, '../../examples')
    for (const test of findTestFiles([examples], examples).map((f) => readTestFile(f))) {
      const sources = test.policies.map((p) => ({ name: p, source: readFileSync(p, 'utf8') }))
      const set = compilePolicySet(sources, test.schema === undefined ? {} : { schema: test.schema }).value
      expect(set).toBeDefined()
      if (set === undefined) continue
      const reuse = ruleReuse(set, compileSet(set))
      const hints = policyHints(set.checked, set.ladders)
      const requests = [...test.cases.map((c) => c.request as AuthzRequest), ...fc.sample(requestArbitrary(test.schema, {}, { hints }), { numRuns: 200, seed: 3 })]
      for (const m of generateMutants(set.checked, set.ladders, hints.actions)) {
        const mutated = { ...set, checked: m.set }
        const fresh = createEvaluator(mutated, 1, compileSet(mutated))
        const reused = createEvaluator(mutated, 1, compileSet(mutated, reuse))
        for (const r of requests) expect(reused.evaluate(r)).toEqual(fresh.evaluate(r))
      }
    }
  })
})

describe('what a reused rule depends on', () => {
  const compile = (source: string) => {
    const r = compilePolicySet([{ name: 'p.policy', source }])
    if (!r.value) throw new Error(JSON.stringify(r.files))
    return r.value
  }
  const decide = (set: ReturnType<typeof compile>, rules: ReturnType<typeof compileSet>, req: AuthzRequest) => createEvaluator(set, 1, rules).evaluate(req)

  it('a rule whose policy scope changed is compiled again', () => {
    const before = compile('agent alice {\n  policy p { allow: read  deny: write  require: [log] for read }\n}')
    const reuse = ruleReuse(before, compileSet(before))
    const policy = before.checked.policies[0]
    if (!policy) throw new Error('no policy')
    // The same checked rules, in a policy moved to the top level (as a mutant that drops a scope does).
    const { scope: _dropped, ...unscoped } = policy
    const after = { ...before, checked: { ...before.checked, policies: [unscoped] } }
    for (const req of [{ principal: { id: 'bob' }, action: 'read' }, { principal: { id: 'bob' }, action: 'write' }] as AuthzRequest[]) {
      const fresh = decide(after, compileSet(after), req)
      expect(decide(after, compileSet(after, reuse), req)).toEqual(fresh)
      // Bob is no longer outside the policy's scope: its rules now decide for him.
      expect(fresh.determining.length).toBeGreaterThan(0)
    }
  })

  it('a require rule without `for` is compiled again: its policy’s targets may have changed', () => {
    const before = compile('policy p { allow: read  require: [log] }')
    const targets = compile('policy p { allow: write  require: [log] }')
    const reuse = ruleReuse(before, compileSet(before))
    const [oldPolicy, newPolicy] = [before.checked.policies[0], targets.checked.policies[0]]
    if (!oldPolicy || !newPolicy) throw new Error('no policy')
    // The old require rule object (reuse knows it) under the new policy's targets.
    const after = { ...targets, checked: { ...targets.checked, policies: [{ ...newPolicy, rules: [newPolicy.rules[0], oldPolicy.rules[1]] as typeof newPolicy.rules }] } }
    const req = { principal: { id: 'bob' }, action: 'write' } as AuthzRequest
    const fresh = decide(after, compileSet(after), req)
    expect(fresh.effect).toBe('allow_with_conditions')
    expect(decide(after, compileSet(after, reuse), req)).toEqual(fresh)
  })
})
