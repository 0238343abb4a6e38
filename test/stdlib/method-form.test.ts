import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { BUILTINS, EVAL_CODES, EvalError, callFunction, callMethod, createCallContext, createFunctionTable, createLadders, paramTypeAt } from '../../stdlib/index.js'
import type { Callable, Value } from '../../stdlib/index.js'
import { RUNS, arbScalar, arbValue, outcome } from './helpers.js'

const ctx = createCallContext({ now: 42, ladders: createLadders({ priority: ['low', 'high'] }) })
const table = createFunctionTable()

const LAMBDAS: readonly Callable[] = [
  (x) => typeof x === 'number' && x > 0,
  (x) => typeof x === 'string',
  (x) => x,
  () => 1,
  () => {
    throw new EvalError(EVAL_CODES.MISSING_ATTRIBUTE, 'missing attribute')
  },
]

/** Receivers biased towards the types the methods accept, so both success and error paths occur. */
const arbReceiver: fc.Arbitrary<Value> = fc.oneof(
  arbValue,
  fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 6 }),
  fc.array(fc.constantFrom('public', 'secret', 'low', 'high', 'x'), { maxLength: 5 }),
  fc.string({ maxLength: 10 }),
)

describe('method form ≡ function form', () => {
  for (const b of [...BUILTINS.values()].filter((x) => x.method)) {
    it(`${b.name}: x.${b.name}(…) behaves exactly like ${b.name}(x, …)`, () => {
      const maxExtra = Math.min(b.maxArgs - 1, 3)
      const arbCall = fc.tuple(
        arbReceiver,
        fc.array(fc.tuple(fc.oneof(arbScalar, arbReceiver), fc.nat({ max: LAMBDAS.length - 1 })), { minLength: 0, maxLength: Math.max(0, maxExtra + 1) }),
      )
      fc.assert(
        fc.property(arbCall, ([receiver, extra]) => {
          // Put lambdas where the signature declares functions, values elsewhere (sometimes a
          // lambda at a value position or vice versa, to exercise the type errors as well).
          const args: Value[] = []
          const fns: (Callable | undefined)[] = []
          extra.forEach(([v, li], i) => {
            const wantsFn = paramTypeAt(b, i + 1) === 'function'
            const swap = li === LAMBDAS.length - 1 && v === null
            if (wantsFn !== swap) {
              args.push(null)
              fns.push(LAMBDAS[li])
            } else {
              args.push(v)
              fns.push(undefined)
            }
          })
          const asFunction = outcome(() => callFunction(table, b.name, [receiver, ...args], [undefined, ...fns], ctx))
          const asMethod = outcome(() => callMethod(table, b.name, receiver, args, fns, ctx))
          expect(asMethod).toEqual(asFunction)
        }),
        { numRuns: RUNS },
      )
    })
  }

  it('produces successes as well as errors (the property is not vacuous)', () => {
    let ok = 0
    let err = 0
    fc.assert(
      fc.property(arbReceiver, (r) => {
        const o = outcome(() => callMethod(table, 'length', r, [], [], ctx))
        if (o.ok) ok++
        else err++
      }),
      { numRuns: 200 },
    )
    expect(ok).toBeGreaterThan(0)
    expect(err).toBeGreaterThan(0)
  })
})
