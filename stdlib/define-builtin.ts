import { paramTypeAt, matchesParamType } from './builtin-types.js'
import type { Builtin, CallContext, Callable, ParamType } from './builtin-types.js'
import { checkCollectionSize } from './check-value.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import type { Value } from './value.js'

/** What a builtin implementation declares; `defineBuiltin` adds the checks. */
export interface BuiltinSpec {
  /** Name as written in policies. */
  readonly name: string
  /** Declared parameter types (the last repeats for variadic functions). */
  readonly params: readonly ParamType[]
  /** Fewest arguments; defaults to `params.length`. */
  readonly minArgs?: number
  /** Most arguments; defaults to `params.length`. */
  readonly maxArgs?: number
  /** Declared result type. */
  readonly returns: ParamType
  /** Whether `x.name(…)` is allowed. */
  readonly method: boolean
  /**
   * Whether collection arguments are held to `maxCollectionSize`; default true. Only a builtin
   * that neither iterates nor produces a collection may opt out (`has` is an O(1) lookup, and
   * counting a record's keys would cost more than the lookup itself).
   */
  readonly checkSizes?: boolean
  /** The implementation: arguments are already arity-, type- and size-checked. */
  readonly impl: (args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext) => Value
}

/**
 * Wraps an implementation with the checks every function shares, so that they are applied the
 * same way to every builtin and host function: arity, each argument against its declared type
 * (a lambda only where a `function` is declared), and `maxCollectionSize` on every array,
 * string or record argument.
 */
export function defineBuiltin(spec: BuiltinSpec): Builtin {
  const minArgs = spec.minArgs ?? spec.params.length
  const maxArgs = spec.maxArgs ?? spec.params.length
  const checkSizes = spec.checkSizes ?? true
  const builtin: Builtin = {
    name: spec.name,
    minArgs,
    maxArgs,
    params: Object.freeze([...spec.params]),
    returns: spec.returns,
    method: spec.method,
    call(args, fns, ctx) {
      checkArgs(builtin, args, fns, ctx, checkSizes)
      return spec.impl(args, fns, ctx)
    },
  }
  return Object.freeze(builtin)
}

/** Applies the shared checks of `defineBuiltin`; exported for host-function wrappers. */
export function checkArgs(b: Builtin, args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext, checkSizes = true): void {
  let n = args.length
  // A lambda slot past the end of `args` still counts as an argument: ignoring it would let
  // `count(xs, p)` silently become `count(xs)`.
  for (let j = fns.length - 1; j >= n; j--) {
    if (fns[j] !== undefined) {
      n = j + 1
      break
    }
  }
  if (n < b.minArgs || n > b.maxArgs) {
    fail(EVAL_CODES.ARITY, `${b.name} expects ${arityText(b)}, got ${n}`)
  }
  for (let i = 0; i < n; i++) {
    const t = paramTypeAt(b, i)
    const fn = fns[i]
    if (t === 'function') {
      if (typeof fn !== 'function') fail(EVAL_CODES.ARGUMENT_TYPE, `argument ${i + 1} of ${b.name} must be a function (a lambda such as x => …), got ${typeName(args[i])}`)
      continue
    }
    if (fn !== undefined) fail(EVAL_CODES.ARGUMENT_TYPE, `argument ${i + 1} of ${b.name} must be ${article(t)}, got a function`)
    if (i >= args.length) fail(EVAL_CODES.ARGUMENT_TYPE, `argument ${i + 1} of ${b.name} is missing`)
    const v = args[i] as Value
    if (!matchesParamType(v, t)) fail(EVAL_CODES.ARGUMENT_TYPE, `argument ${i + 1} of ${b.name} must be ${article(t)}, got ${typeName(v)}`)
    if (checkSizes) checkCollectionSize(v, ctx.limits, `argument ${i + 1} of ${b.name}`)
  }
}

/** Calls a lambda and requires a boolean result, as predicates of any/all/count/filter must return. */
export function callPredicate(fn: Callable, x: Value, owner: string): boolean {
  const r = fn(x)
  if (typeof r !== 'boolean') fail(EVAL_CODES.NOT_BOOLEAN, `predicate of ${owner} must return a boolean, got ${typeName(r)}`)
  return r
}

function arityText(b: Builtin): string {
  const plural = (k: number): string => `${k} argument${k === 1 ? '' : 's'}`
  if (b.minArgs === b.maxArgs) return plural(b.minArgs)
  if (b.maxArgs === Infinity) return `at least ${plural(b.minArgs)}`
  return `${b.minArgs} to ${plural(b.maxArgs)}`
}

function article(t: ParamType): string {
  switch (t) {
    case 'collection':
      return 'an array, a string or a record'
    case 'comparable':
      return 'a number, a duration or a string'
    case 'any':
      return 'a value'
    case 'array':
      return 'an array'
    default:
      return `a ${t}`
  }
}
