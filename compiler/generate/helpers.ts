/**
 * What generated evaluator code calls. Each helper is the body of one closure of
 * compile-expr.ts, so generated code and closures make the same stdlib calls on every path
 * that can fail (same errors, same messages). The helpers are small and monomorphic: V8 inlines
 * them into the generated functions that call them.
 */
import { getIndex, getMember } from '../../stdlib/access.js'
import { add, div, mod, mul, negate, sub } from '../../stdlib/arithmetic.js'
import { compareValues } from '../../stdlib/compare.js'
import { valueEquals } from '../../stdlib/equality.js'
import type { Ladders } from '../../stdlib/ladders.js'
import type { Limits } from '../../stdlib/limits.js'
import { expectBool, inOp } from '../../stdlib/operators.js'
import { readBase, readValue } from '../../stdlib/read-value.js'
import { isRecord, type Value } from '../../stdlib/value.js'
import { Missing } from '../compile-rules.js'
import { singleLadderRanks } from '../compile-expr.js'
import { asEvalError } from '../decisions.js'
import { lookupName } from '../interpreter.js'
import { argAt } from '../patterns.js'
import { EMPTY_CONTEXT, type NormalizedRequest } from '../request.js'

/** The helper object generated code receives as `$`. */
export type Helpers = typeof helpers

/** Marks a read-cache slot not yet filled for this request. */
export const UNREAD: unique symbol = Symbol('unread')

const NO_VARS: ReadonlyMap<string, Value> = new Map()
const NO_FRAMES: readonly (readonly Value[])[] = Object.freeze([])

/** A request name as guards resolve it (SEMANTICS.md §1): a context attribute shadows the built-in names. */
function name(req: NormalizedRequest, n: string): Value {
  const ctx = req.context
  return Object.hasOwn(ctx, n) ? (ctx[n] as Value) : lookupName(n, NO_VARS, req)
}

/**
 * `o.prop` used as a value (compile-expr.ts `member`). Generated readers (expr.ts `readMember`)
 * take the common case — an own scalar of a plain record — themselves and call this for the
 * rest, so it has no fast path of its own: stdlib decides the value or the error.
 */
function member(o: Value, prop: string, limits: Limits, what: string): Value {
  return readValue(getMember(o, prop), limits, what)
}

/** `o.prop` as the base of a further read; the common case is the reader's (expr.ts `readMemberBase`). */
function memberBase(o: Value, prop: string, what: string): Value {
  return readBase(getMember(o, prop), what)
}

/** A literal argument pattern against argument `v` (compile-rules.ts `compileCallPattern`). */
function literalArg(v: Value | undefined, lit: string): boolean {
  return v !== undefined && (v === lit || (isRecord(v) && v['id'] === lit))
}

const pairCache = new WeakMap<Ladders, Map<string, Map<string, number>>>()

/**
 * The order of two rungs that sit on several ladders (the default ladders share rungs), as
 * stdlib `compareLadderStrings` gives it, remembered per pair. Only rungs of the set's ladders
 * are keys, so the cache is bounded by the ladders, not by requests. A cache only: `undefined`
 * sends `order` to `compareValues`, which gives the same sign or throws the same error.
 */
function rungPair(a: string, b: string, ladders: Ladders): number | undefined {
  // Not marked equivalent: without this test, strings from requests would key the cache and grow it.
  if (!ladders.byValue.has(a) || !ladders.byValue.has(b)) return undefined
  let byA = pairCache.get(ladders)
  if (byA === undefined) pairCache.set(ladders, (byA = new Map()))
  let row = byA.get(a)
  if (row === undefined) byA.set(a, (row = new Map()))
  let sign = row.get(b)
  // Stryker disable next-line all: computing the sign again gives the same sign; not computing it returns undefined, and order() asks compareValues
  if (sign === undefined) {
    // Rungs with no ladder in common are an error, raised by compareValues below every time.
    // Stryker disable next-line BlockStatement: without the call the sign stays undefined, and order() asks compareValues
    try {
      sign = compareValues(a, b, ladders)
      // Stryker disable next-line BlockStatement: an error swallowed here leaves the sign undefined, and order() asks compareValues, which throws it again
    } catch {
      return undefined
    }
    row.set(b, sign)
  }
  return sign
}

// The ladders of the last comparison and their rank table: one evaluator compares under one set
// of ladders, so this skips a WeakMap lookup per comparison.
let lastLadders: Ladders | undefined
let lastRanks: ReadonlyMap<string, { ladder: string; rank: number }> = new Map()

/**
 * The sign of `a` against `b` for `< <= > >=` (compile-expr.ts `compileOrdering`). Generated
 * code compares two non-NaN numbers inline and calls this for everything else; two rungs of one
 * ladder are compared by rank here, the rest by `compareValues` (stdlib), which the rung paths
 * agree with.
 */
function order(a: Value, b: Value, ladders: Ladders): number {
  // Stryker disable next-line all: the rung paths are shortcuts only — a pair they do not answer reaches compareValues, which answers every pair (and throws for the rest) as they do
  if (typeof a === 'string' && typeof b === 'string') {
    // Stryker disable next-line all: refreshing the table matters for speed only: it starts empty, is only ever set to the current ladders' ranks, and a pair it lacks goes to rungPair and compareValues, which rank it alike
    if (ladders !== lastLadders) {
      lastRanks = singleLadderRanks(ladders)
      lastLadders = ladders
    }
    const ranks = lastRanks
    const ra = ranks.get(a)
    const rb = ranks.get(b)
    if (ra !== undefined && rb !== undefined && ra.ladder === rb.ladder) return ra.rank - rb.rank
    const sign = rungPair(a, b, ladders)
    if (sign !== undefined) return sign
  }
  return compareValues(a, b, ladders)
}

/** What `bail` throws: a plan function catches it and leaves the request to the full path (plan.ts). */
export const BAIL: unique symbol = Symbol('bail')

/** Ends a plan function's attempt: what follows needs the evaluator's full path. */
function bail(): never {
  throw BAIL
}

export const helpers = Object.freeze({
  U: UNREAD,
  /** What generated reads compare with to tell an own property from an inherited one (expr.ts readers, `readMember`). */
  OP: Object.prototype as Readonly<Record<string, unknown>>,
  proto: Object.getPrototypeOf as (o: object) => unknown,
  bail,
  /** The context of a request that has none, as `normalizeCommon` gives it (frozen). */
  EMPTY_CONTEXT,
  Missing,
  NO_FRAMES,
  NO_SLOTS: Object.freeze([]) as readonly Value[],
  literalArg,
  name,
  arg: argAt,
  base: readBase,
  value: readValue,
  member,
  memberBase,
  get: getMember,
  index: getIndex,
  bool: expectBool,
  eq: valueEquals,
  order,
  in: inOp,
  add,
  sub,
  mul,
  div,
  mod,
  neg: negate,
  err: asEvalError,
})
