import { isDuration } from './value.js'
import type { Value, ValueRecord } from './value.js'

/**
 * Structural equality of SEMANTICS.md §5: total (never throws), values of different types are
 * simply unequal, `1 == 1.0`, durations are equal when their milliseconds are, arrays element by
 * element, records by their key sets and values (key order irrelevant). Numbers compare with
 * `===`, so `0 == -0`; NaN never reaches here from valid data (checkValue rejects it, arithmetic
 * refuses to produce it).
 *
 * Recurses for ordinary data (no stack array per call: 1.1–1.3× faster than the explicit-stack
 * loop on a three-key record, interleaved A/B on Node 20) and switches to an explicit stack
 * below depth 200, so that deeply nested data cannot overflow the JS stack and turn a
 * comparison into a crash. The recursion also has a step budget: JS-built data can share
 * sub-objects (or be cyclic with several edges), which the recursion would walk as the tree
 * they unfold to — exponentially many pairs. Past the budget the comparison restarts from the
 * top with the explicit stack, which remembers the pairs it has met.
 */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true
  // Stryker disable next-line all: a shortcut only — eq() answers every pair of Values this line answers, the same way
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  steps = STEP_BUDGET
  try {
    return eq(a, b, 0)
  } catch (e) {
    if (e !== OUT_OF_STEPS) throw e
    return eqIterative(a, b)
  }
}

const RECURSION_LIMIT = 200
/** Recursive comparisons per call before restarting with the explicit stack. */
const STEP_BUDGET = 10_000
const OUT_OF_STEPS = Symbol('out of steps')
let steps = 0

function eq(x: unknown, y: unknown, depth: number): boolean {
  if (x === y) return true
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
    // Two distinct primitives (or a primitive and a container); undefined slots equal null.
    return (x === undefined || x === null) && (y === undefined || y === null)
  }
  if (--steps < 0) throw OUT_OF_STEPS
  // Stryker disable next-line all: both paths decide every pair alike (tested on deep and shallow pairs); the limit only bounds the JS stack
  if (depth > RECURSION_LIMIT) return eqIterative(x, y)
  const xa = Array.isArray(x)
  if (xa !== Array.isArray(y)) return false
  if (xa) {
    const xs = x as readonly unknown[]
    const ys = y as readonly unknown[]
    if (xs.length !== ys.length) return false
    // Stryker disable next-line EqualityOperator: xs[length] and ys[length] are both undefined, which eq() takes as equal
    for (let i = 0; i < xs.length; i++) if (!eq(xs[i], ys[i], depth + 1)) return false
    return true
  }
  const xd = isDuration(x)
  if (xd !== isDuration(y)) return false
  // Stryker disable next-line ConditionalExpression: a duration is a record of its one key $duration, which the record comparison below decides the same way
  if (xd) return x.$duration === (y as { $duration: number }).$duration
  const xr = x as ValueRecord
  const yr = y as ValueRecord
  const xk = Object.keys(xr)
  if (xk.length !== Object.keys(yr).length) return false
  for (const k of xk) if (!Object.hasOwn(yr, k) || !eq(xr[k], yr[k], depth + 1)) return false
  return true
}

function eqIterative(a: object, b: object): boolean {
  const stack: unknown[] = [a, b]
  // Pairs already compared (or being compared). Data built in JS can be cyclic; assuming a pair
  // under comparison equal (coinductive equality) makes the walk terminate on cycles instead of
  // hanging the evaluation, and skips shared substructures.
  const seen = new Map<object, Set<object>>()
  while (stack.length > 0) {
    const y = stack.pop()
    const x = stack.pop()
    if (x === y) continue
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
      // Two distinct primitives (or a primitive and a container); undefined slots equal null.
      if ((x === undefined || x === null) && (y === undefined || y === null)) continue
      return false
    }
    let partners = seen.get(x)
    if (partners?.has(y)) continue
    if (partners === undefined) seen.set(x, (partners = new Set()))
    partners.add(y)
    const xa = Array.isArray(x)
    if (xa !== Array.isArray(y)) return false
    if (xa) {
      const xs = x as readonly unknown[]
      const ys = y as readonly unknown[]
      if (xs.length !== ys.length) return false
      // Stryker disable next-line EqualityOperator: the extra pair (undefined, undefined) is equal and changes nothing
      for (let i = 0; i < xs.length; i++) stack.push(xs[i], ys[i])
      continue
    }
    const xd = isDuration(x)
    if (xd !== isDuration(y)) return false
    // Stryker disable next-line ConditionalExpression,BlockStatement: as in eq(): the record comparison decides durations the same way
    if (xd) {
      if (x.$duration !== (y as { $duration: number }).$duration) return false
      continue
    }
    const xr = x as ValueRecord
    const yr = y as ValueRecord
    const xk = Object.keys(xr)
    if (xk.length !== Object.keys(yr).length) return false
    for (const k of xk) {
      if (!Object.hasOwn(yr, k)) return false
      stack.push(xr[k], yr[k])
    }
  }
  return true
}
