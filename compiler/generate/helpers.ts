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
import type { NormalizedRequest } from '../request.js'

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

/** `o.prop` used as a value (compile-expr.ts `member`, common case inlined). */
function member(o: Value, prop: string, limits: Limits, what: string): Value {
  if (o !== null && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, prop)) {
    const v: unknown = (o as Record<string, unknown>)[prop]
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && v - v === 0 && v !== 0)) return v
    return readValue(v, limits, what)
  }
  return readValue(getMember(o, prop), limits, what)
}

/** `o.prop` as the base of a further read. */
function memberBase(o: Value, prop: string, what: string): Value {
  const v = o !== null && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, prop) ? (o as Record<string, unknown>)[prop] : getMember(o, prop)
  return readBase(v, what)
}

/** A literal argument pattern against argument `v` (compile-rules.ts `compileCallPattern`). */
function literalArg(v: Value | undefined, lit: string): boolean {
  return v !== undefined && (v === lit || (isRecord(v) && v['id'] === lit))
}

const pairCache = new WeakMap<Ladders, Map<string, Map<string, number>>>()

/**
 * The order of two rungs that sit on several ladders (the default ladders share rungs), as
 * stdlib `compareLadderStrings` gives it, remembered per pair. Only rungs of the set's ladders
 * are keys, so the cache is bounded by the ladders, not by requests.
 */
function rungPair(a: string, b: string, ladders: Ladders): number | undefined {
  if (!ladders.byValue.has(a) || !ladders.byValue.has(b)) return undefined
  let byA = pairCache.get(ladders)
  if (byA === undefined) pairCache.set(ladders, (byA = new Map()))
  let row = byA.get(a)
  if (row === undefined) byA.set(a, (row = new Map()))
  let sign = row.get(b)
  if (sign === undefined) {
    // Rungs with no ladder in common are an error, raised by compareValues below every time.
    try {
      sign = compareValues(a, b, ladders)
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

/** The sign of `a` against `b` for `< <= > >=` (compile-expr.ts `compileOrdering`). */
function order(a: Value, b: Value, ladders: Ladders): number {
  if (typeof a === 'number' && typeof b === 'number' && a === a && b === b) return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') {
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

export const helpers = Object.freeze({
  U: UNREAD,
  /** What generated reads compare with to tell an own property from an inherited one (expr.ts readers, `readMember`). */
  OP: Object.prototype as Readonly<Record<string, unknown>>,
  proto: Object.getPrototypeOf as (o: object) => unknown,
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
