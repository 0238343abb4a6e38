import { DEFAULT_LADDERS } from './ladders.js'
import type { Ladders } from './ladders.js'
import { DEFAULT_LIMITS } from './limits.js'
import type { Limits } from './limits.js'
import { isDuration, isRecord } from './value.js'
import type { Value } from './value.js'

/**
 * The declared type of a function parameter or result, readable by a type checker.
 * Besides the value types: `collection` = array | string | record, `comparable` =
 * number | duration | string (strings on a ladder), `function` = a lambda, `any` = any value.
 */
export type ParamType =
  | 'boolean'
  | 'number'
  | 'string'
  | 'duration'
  | 'null'
  | 'array'
  | 'record'
  | 'collection'
  | 'comparable'
  | 'function'
  | 'any'

/** Every ParamType, for validation of host-function declarations. */
export const PARAM_TYPES: readonly ParamType[] = Object.freeze([
  'boolean',
  'number',
  'string',
  'duration',
  'null',
  'array',
  'record',
  'collection',
  'comparable',
  'function',
  'any',
])

/** A lambda argument as the evaluator hands it over: a plain JS function of policy values. */
export type Callable = (...args: Value[]) => Value

/** What every builtin may consult besides its arguments. */
export interface CallContext {
  /** Request time in epoch milliseconds; `now()` returns it, so evaluation is deterministic per request. */
  readonly now: number
  /** Ladders for string comparison in `min`/`max`. */
  readonly ladders: Ladders
  /** Limits, notably `maxCollectionSize`. */
  readonly limits: Limits
}

/**
 * A builtin or host function.
 *
 * Calling convention: `args` has one slot per argument actually passed. At a `function`
 * parameter the evaluator puts the lambda in `fns[i]` and `null` in `args[i]`; at every other
 * parameter `fns[i]` is `undefined`, and `fns` may be shorter than `args` (`[]` when no lambda is
 * passed). `call` checks arity, parameter types and collection sizes itself and throws
 * `EvalError` — evaluators need not pre-check.
 */
export interface Builtin {
  /** Name as written in policies. */
  readonly name: string
  /** Fewest arguments accepted (method form counts the receiver). */
  readonly minArgs: number
  /** Most arguments accepted; `Infinity` for variadic functions. */
  readonly maxArgs: number
  /** Declared parameter types; arguments past the end take the last entry's type. */
  readonly params: readonly ParamType[]
  /** Declared result type. */
  readonly returns: ParamType
  /** Callable as `x.f(…)`, with `x` as the first argument. */
  readonly method: boolean
  /** Runs the function. */
  call(args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext): Value
}

/** True when `v` belongs to the declared type (never true for `function`: lambdas are not values). */
export function matchesParamType(v: Value, t: ParamType): boolean {
  switch (t) {
    case 'any':
      return true
    case 'boolean':
    case 'number':
    case 'string':
      return typeof v === t
    case 'null':
      return v === null
    case 'duration':
      return isDuration(v)
    case 'array':
      return Array.isArray(v)
    case 'record':
      return isRecord(v)
    case 'collection':
      return typeof v === 'string' || Array.isArray(v) || isRecord(v)
    case 'comparable':
      return typeof v === 'number' || typeof v === 'string' || isDuration(v)
    case 'function':
      return false
  }
}

/** The declared type of argument `i` (variadic tails repeat the last parameter type). */
export function paramTypeAt(b: Pick<Builtin, 'params'>, i: number): ParamType {
  return b.params[Math.min(i, b.params.length - 1)] ?? 'any'
}

/** Builds a call context; omitted ladders and limits take the defaults. */
export function createCallContext(opts: { readonly now: number; readonly ladders?: Ladders; readonly limits?: Limits }): CallContext {
  return Object.freeze({ now: opts.now, ladders: opts.ladders ?? DEFAULT_LADDERS, limits: opts.limits ?? DEFAULT_LIMITS })
}
