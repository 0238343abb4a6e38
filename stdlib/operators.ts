import { valueEquals } from './equality.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import { isRecord } from './value.js'
import type { Value } from './value.js'

/**
 * Requires a boolean: `&&`, `||`, `!`/`not`, guards and predicate results take booleans only
 * (SEMANTICS.md §5, no truthiness). `what` names the place for the message, e.g.
 * `"left operand of &&"`.
 */
export function expectBool(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v
  return fail(EVAL_CODES.NOT_BOOLEAN, `${what} must be a boolean, got ${typeName(v)}`)
}

/**
 * `element in container`: an element of an array (structural equality), a substring of a
 * string, or a key of a record. Other container types, and a non-string element for a string or
 * record container, are type errors.
 */
export function inOp(element: Value, container: Value): boolean {
  if (Array.isArray(container)) {
    const xs = container as readonly Value[]
    for (let i = 0; i < xs.length; i++) if (valueEquals(element, xs[i] as Value)) return true
    return false
  }
  if (typeof container === 'string') {
    if (typeof element !== 'string') return inMismatch(element, container)
    return container.includes(element)
  }
  if (isRecord(container)) {
    if (typeof element !== 'string') return inMismatch(element, container)
    return Object.hasOwn(container, element)
  }
  return fail(EVAL_CODES.TYPE_MISMATCH, `cannot test membership in ${typeName(container)}: 'in' needs an array, a string or a record`)
}

function inMismatch(element: Value, container: Value): never {
  return fail(EVAL_CODES.TYPE_MISMATCH, `cannot test whether ${typeName(element)} is in ${typeName(container)}: only a string can be a substring or a key`)
}
