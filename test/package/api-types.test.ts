import { describe, expectTypeOf, it } from 'vitest'
import { createEngine, type AuthzRequest, type Decision, type Engine, type LoadResult, type PolicySource } from '../../index.js'

// Type-level contract of the root API (checked by vitest's typecheck of expectTypeOf calls at
// run time too: a wrong shape here fails to compile under `tsc`).
describe('public API types', () => {
  it('createEngine returns an Engine with the documented methods', () => {
    const engine = createEngine()
    expectTypeOf(engine).toEqualTypeOf<Engine>()
    expectTypeOf(engine.load).parameter(0).toEqualTypeOf<readonly PolicySource[]>()
    expectTypeOf(engine.load).returns.toEqualTypeOf<LoadResult>()
    expectTypeOf(engine.evaluate).parameter(0).toEqualTypeOf<AuthzRequest>()
    expectTypeOf(engine.evaluate).returns.toEqualTypeOf<Decision>()
    expectTypeOf(engine.evaluateBatch).returns.toEqualTypeOf<Decision[]>()
    expectTypeOf(engine.version).toEqualTypeOf<number>()
  })

  it('Decision is a union discriminated by effect', () => {
    expectTypeOf<Decision['effect']>().toEqualTypeOf<'allow' | 'deny' | 'allow_with_conditions' | 'require_approval'>()
    expectTypeOf<Extract<Decision, { effect: 'deny' }>['reason']>().toEqualTypeOf<string>()
    expectTypeOf<Extract<Decision, { effect: 'require_approval' }>['approvers']>().toEqualTypeOf<readonly string[]>()
  })
})
