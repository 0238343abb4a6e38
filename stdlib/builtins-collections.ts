import { add } from './arithmetic.js'
import type { Builtin, CallContext, Callable } from './builtin-types.js'
import { compareValues } from './compare.js'
import { callPredicate, defineBuiltin } from './define-builtin.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import { isDuration } from './value.js'
import type { Value } from './value.js'

/**
 * Builtins over arrays: any, all, count, map, filter (with lambdas) and min, max, sum. Lambdas
 * are called once per element, left to right, and stop early only where the result is decided
 * (any/all) — so which element errors first is deterministic.
 */

/** `any(xs, x => p)`: some element satisfies the predicate; false for `[]`. */
export const any: Builtin = defineBuiltin({
  name: 'any',
  params: ['array', 'function'],
  returns: 'boolean',
  method: true,
  impl: ([xs], [, fn]) => {
    for (const x of xs as readonly Value[]) if (callPredicate(fn as Callable, x, 'any')) return true
    return false
  },
})

/** `all(xs, x => p)`: every element satisfies the predicate; true for `[]`. */
export const all: Builtin = defineBuiltin({
  name: 'all',
  params: ['array', 'function'],
  returns: 'boolean',
  method: true,
  impl: ([xs], [, fn]) => {
    for (const x of xs as readonly Value[]) if (!callPredicate(fn as Callable, x, 'all')) return false
    return true
  },
})

/** `count(xs)` is `length(xs)`; `count(xs, x => p)` counts the elements satisfying `p`. */
export const count: Builtin = defineBuiltin({
  name: 'count',
  params: ['array', 'function'],
  minArgs: 1,
  returns: 'number',
  method: true,
  impl: ([xs], [, fn]) => {
    const arr = xs as readonly Value[]
    if (fn === undefined) return arr.length
    let n = 0
    for (const x of arr) if (callPredicate(fn, x, 'count')) n++
    return n
  },
})

/** `map(xs, x => e)`: a new array of the lambda's results. */
export const map: Builtin = defineBuiltin({
  name: 'map',
  params: ['array', 'function'],
  returns: 'array',
  method: true,
  impl: ([xs], [, fn]) => (xs as readonly Value[]).map((x) => (fn as Callable)(x)),
})

/** `filter(xs, x => p)`: the elements satisfying the predicate, in order. */
export const filter: Builtin = defineBuiltin({
  name: 'filter',
  params: ['array', 'function'],
  returns: 'array',
  method: true,
  impl: ([xs], [, fn]) => (xs as readonly Value[]).filter((x) => callPredicate(fn as Callable, x, 'filter')),
})

function extremum(name: 'min' | 'max', sign: 1 | -1): Builtin {
  return defineBuiltin({
    name,
    params: ['any'],
    minArgs: 1,
    maxArgs: Infinity,
    returns: 'comparable',
    method: true,
    impl: (args, _fns, ctx) => {
      let items: readonly Value[] = args
      if (args.length === 1) {
        const only = args[0] as Value
        if (!Array.isArray(only)) return fail(EVAL_CODES.ARGUMENT_TYPE, `${name} with one argument needs an array, got ${typeName(only)}`)
        items = only
      }
      return pick(name, items, sign, ctx)
    },
  })
}

function pick(name: string, items: readonly Value[], sign: 1 | -1, ctx: CallContext): Value {
  if (items.length === 0) return fail(EVAL_CODES.EMPTY_COLLECTION, `${name} of an empty array`)
  let best = items[0] as Value
  // Validates a lone element as well: min(["zebra"]) must not return an unordered string.
  compareValues(best, best, ctx.ladders)
  for (let i = 1; i < items.length; i++) {
    const x = items[i] as Value
    if (sign * compareValues(x, best, ctx.ladders) < 0) best = x
  }
  return best
}

/** `min(xs)` or `min(a, b, …)`: the least number, duration or ladder string. */
export const min: Builtin = extremum('min', 1)
/** `max(xs)` or `max(a, b, …)`: the greatest number, duration or ladder string. */
export const max: Builtin = extremum('max', -1)

/** `sum(xs)`: the sum of numbers (or of durations), left to right; `0` for `[]`. */
export const sum: Builtin = defineBuiltin({
  name: 'sum',
  params: ['array'],
  returns: 'any',
  method: true,
  impl: ([xs]) => {
    const arr = xs as readonly Value[]
    if (arr.length === 0) return 0
    arr.forEach((x, i) => {
      if (typeof x !== 'number' && !isDuration(x)) {
        fail(EVAL_CODES.ARGUMENT_TYPE, `sum needs an array of numbers or of durations, got ${typeName(x)} at index ${i}`)
      }
    })
    let total = arr[0] as Value
    for (let i = 1; i < arr.length; i++) total = add(total, arr[i] as Value)
    return total
  },
})

