import { describe, it, expectTypeOf } from 'vitest'
import type {
  Builtin,
  CallContext,
  Callable,
  Duration,
  EvalError,
  Ladders,
  Limits,
  ParamType,
  SharedRanks,
  Value,
} from '../../stdlib/index.js'
import * as stdlib from '../../stdlib/index.js'

describe('public API types', () => {
  it('keeps the contract the evaluators compile against', () => {
    expectTypeOf(stdlib.valueEquals).toEqualTypeOf<(a: Value, b: Value) => boolean>()
    expectTypeOf(stdlib.compareValues).toEqualTypeOf<(a: Value, b: Value, ladders: Ladders) => number>()
    expectTypeOf(stdlib.sharedLadder).toEqualTypeOf<(ladders: Ladders, a: string, b: string) => SharedRanks | undefined>()
    expectTypeOf(stdlib.add).toEqualTypeOf<(a: Value, b: Value) => Value>()
    expectTypeOf(stdlib.negate).parameters.toEqualTypeOf<[Value]>()
    expectTypeOf(stdlib.expectBool).toEqualTypeOf<(v: Value, what: string) => boolean>()
    expectTypeOf(stdlib.inOp).toEqualTypeOf<(element: Value, container: Value) => boolean>()
    expectTypeOf(stdlib.getMember).toEqualTypeOf<(obj: Value, name: string) => Value>()
    expectTypeOf(stdlib.getIndex).toEqualTypeOf<(obj: Value, idx: Value) => Value>()
    expectTypeOf(stdlib.hasAttr).toEqualTypeOf<(obj: Value, name: string) => boolean>()
    expectTypeOf(stdlib.parseDuration).toEqualTypeOf<(text: string) => Duration>()
    expectTypeOf(stdlib.globToMatcher).returns.toEqualTypeOf<(s: string) => boolean>()
    expectTypeOf(stdlib.BUILTINS).toEqualTypeOf<ReadonlyMap<string, Builtin>>()
    expectTypeOf(stdlib.DEFAULT_LIMITS).toEqualTypeOf<Limits>()
    expectTypeOf<Builtin['call']>().toEqualTypeOf<(args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext) => Value>()
    expectTypeOf<CallContext>().toHaveProperty('now').toEqualTypeOf<number>()
    expectTypeOf<'duration'>().toExtend<ParamType>()
    expectTypeOf<InstanceType<typeof stdlib.EvalError>>().toEqualTypeOf<EvalError>()
  })
})
