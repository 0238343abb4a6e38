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
