import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import { duration, isDuration } from './value.js'
import type { Duration, Value } from './value.js'

/**
 * Arithmetic of SEMANTICS.md §5. No coercion: `"a" + 1`, `1h + 5` and `true + 1` are type errors.
 * A result that is not finite (overflow to ±Infinity, NaN) is an error rather than a value,
 * because a comparison against Infinity or NaN would silently decide a guard.
 */

/** `+`: numbers add, strings concatenate, durations add. */
export function add(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return finite(a + b, '+')
  if (typeof a === 'string' && typeof b === 'string') return a + b
  if (isDuration(a) && isDuration(b)) return duration(finite(a.$duration + b.$duration, '+'))
  return mismatch('add', a, b, 'numbers, strings or durations')
}

/** `-`: numbers, or a duration minus a duration. */
export function sub(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return finite(a - b, '-')
  if (isDuration(a) && isDuration(b)) return duration(finite(a.$duration - b.$duration, '-'))
  return mismatch('subtract', a, b, 'numbers or durations')
}

/** `*` on numbers. */
export function mul(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return finite(a * b, '*')
  return mismatch('multiply', a, b, 'numbers')
}

/** `/` on numbers; dividing by zero is an error. */
export function div(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) return fail(EVAL_CODES.DIVISION_BY_ZERO, 'division by zero')
    return finite(a / b, '/')
  }
  return mismatch('divide', a, b, 'numbers')
}

/** `%` on numbers, with the sign of the dividend (JavaScript `%`); modulo zero is an error. */
export function mod(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) return fail(EVAL_CODES.DIVISION_BY_ZERO, 'modulo by zero')
    return finite(a % b, '%')
  }
  return mismatch('take the remainder of', a, b, 'numbers')
}

/** Prefix `-` on a number or a duration. */
export function negate(a: Value): number | Duration {
  if (typeof a === 'number') return finite(-a, '-')
  if (isDuration(a)) return duration(finite(-a.$duration, '-'))
  return fail(EVAL_CODES.TYPE_MISMATCH, `cannot negate ${typeName(a)}: '-' takes a number or a duration`)
}

function finite(n: number, op: string): number {
  if (!Number.isFinite(n)) return fail(EVAL_CODES.NON_FINITE, `result of '${op}' is not a finite number`)
  return n
}

function mismatch(verb: string, a: Value, b: Value, accepted: string): never {
  return fail(EVAL_CODES.TYPE_MISMATCH, `cannot ${verb} ${typeName(a)} and ${typeName(b)}: expected two ${accepted} of one type`)
}
