/** Public types of symbi-policy/testing and of compiled modules (expectTypeOf, STYLE.md §12). */
import type fc from 'fast-check'
import { describe, expectTypeOf, it } from 'vitest'
import type { CompiledPolicySet } from '../../runtime/compiled-module.js'
import { loadCompiledSet } from '../../runtime/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
// The names generated declarations (compiler/codegen generateDeclarations) import from the package.
import type { AuthzRequest as RootRequest, Decision as RootDecision, DeterminingRule as RootRule } from '../../index.js'
import type { RuleLocation } from '../../runtime/index.js'
import { checkExpectation, requestArbitrary, runPolicyTests, type TestReport } from '../../testing/index.js'

describe('public types', () => {
  it('requestArbitrary yields fast-check arbitraries of requests', () => {
    expectTypeOf(requestArbitrary).returns.toEqualTypeOf<fc.Arbitrary<AuthzRequest>>()
    expectTypeOf(requestArbitrary).parameter(1).toEqualTypeOf<Readonly<Record<string, unknown>> | undefined>()
  })

  it('runPolicyTests returns a report; checkExpectation the unmet parts', () => {
    expectTypeOf(runPolicyTests).returns.toEqualTypeOf<TestReport>()
    expectTypeOf<TestReport['failed']>().toEqualTypeOf<number>()
    expectTypeOf(checkExpectation).returns.toEqualTypeOf<string[]>()
  })

  it('the package entries export what generated declarations import', () => {
    expectTypeOf<RootRequest>().toEqualTypeOf<AuthzRequest>()
    expectTypeOf<RootDecision>().toEqualTypeOf<Decision>()
    expectTypeOf<RootRule['rule']>().toEqualTypeOf<number>()
    expectTypeOf<RuleLocation['line']>().toEqualTypeOf<number>()
  })

  it('a compiled set decides synchronously', () => {
    expectTypeOf(loadCompiledSet).returns.toEqualTypeOf<CompiledPolicySet>()
    expectTypeOf<CompiledPolicySet['evaluate']>().returns.toEqualTypeOf<Decision>()
  })
})
