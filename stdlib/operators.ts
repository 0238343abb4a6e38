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
 * `element in container`: an element of an array (structural equality) or a key of a record
 * (SEMANTICS.md §5). A string on the right is a type error, not a substring test: with
 * substring semantics `deny: … if "admin" in user.roles` fires on `"not_admin_at_all"` and
 * `allow: … if "admin" in user.roles` grants it — whichever way it cuts, someone wrote the rule
 * for an array. Substrings are `contains()`. Other containers, and a non-string key for a
 * record, are type errors too.
 */
export function inOp(element: Value, container: Value): boolean {
  if (Array.isArray(container)) {
    const xs = container as readonly Value[]
    for (let i = 0; i < xs.length; i++) if (valueEquals(element, xs[i] as Value)) return true
    return false
  }
  if (typeof container === 'string') {
    return fail(EVAL_CODES.TYPE_MISMATCH, `'in' needs an array or a record on the right, got a string; test substrings with contains()`)
  }
  if (isRecord(container)) {
    if (typeof element !== 'string') return fail(EVAL_CODES.TYPE_MISMATCH, `cannot test whether ${typeName(element)} is a key of a record: only a string can be a key`)
    return Object.hasOwn(container, element)
  }
  return fail(EVAL_CODES.TYPE_MISMATCH, `cannot test membership in ${typeName(container)}: 'in' needs an array or a record`)
}
