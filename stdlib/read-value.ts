import { checkValue } from './check-value.js'
import { EVAL_CODES, fail } from './eval-codes.js'
import type { Limits } from './limits.js'
import type { Value } from './value.js'

/**
 * What a read of request data yields (SEMANTICS.md §5, "only policy values are values").
 *
 * Requests come from embedder code, where `{ banned: row?.banned }` puts an own `undefined` in
 * a record, and a `Date`, `NaN` or a function slips in just as easily. Were such a read treated
 * as a value, `deny: read if user.banned == true` would quietly not fire — a missing attribute
 * denies, so a present-but-meaningless one must too. Every evaluator calls these two functions
 * at every read, so the interpreter, the compiled closures and compiled modules agree:
 *
 * - `readValue`: a read whose result is used as a value — an identifier bound to request data,
 *   `x.a`, `x[i]`. Scalars are checked here; arrays and records are checked deeply (their
 *   elements flow into `==`, `in`, `any`, `contains` … which cannot re-check them), so
 *   `user.roles` holding `[NaN]` is an error when it is read, not a silent non-match.
 * - `readBase`: a read that is only the base of a further read (`user` in `user.banned`). Only
 *   its top level is checked (a Date or class instance is not a record); the further read
 *   checks what it yields. So `user.banned` is not an error merely because `user` has another,
 *   unread attribute that is `undefined`.
 *
 * `-0` reads as `0`.
 */
export function readValue(v: unknown, limits: Limits, what: string): Value {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (v - v !== 0) return bad(what, `is ${String(v)}, not a finite number`)
      return v === 0 ? 0 : v
    case 'object':
      if (v === null) return null
      checkValue(v, limits, what)
      return v
    default:
      return bad(what, `is ${typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`}, not a policy value`)
  }
}

/**
 * Whether `readValue` yields `v` unchanged without looking further: a string, a boolean or a
 * finite non-zero number. Hot reads test this first and call `readValue` only for the rest.
 */
export function isPlainScalar(v: unknown): v is string | boolean | number {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && v - v === 0 && v !== 0)
}

/** A read used as the base of another read: top level only (see `readValue`). */
export function readBase(v: unknown, what: string): Value {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (v - v !== 0) return bad(what, `is ${String(v)}, not a finite number`)
      return v === 0 ? 0 : v
    case 'object': {
      if (v === null || Array.isArray(v)) return v as Value
      const proto: unknown = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) return bad(what, `is a ${className(v)}, not a record`)
      return v as Value
    }
    default:
      return bad(what, `is ${typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`}, not a policy value`)
  }
}

function className(v: object): string {
  try {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name
    return typeof name === 'string' && name !== '' ? name : 'non-plain object'
  } catch {
    // A Proxy or a hostile getter: it is not plain data either way.
    return 'non-plain object'
  }
}

function bad(what: string, why: string): never {
  return fail(EVAL_CODES.BAD_VALUE, `${what} ${why}`)
}
