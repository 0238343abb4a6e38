import { EVAL_CODES, fail, quote, typeName } from './eval-codes.js'
import { isRecord } from './value.js'
import type { Value, ValueRecord } from './value.js'

/**
 * Attribute and index access (SEMANTICS.md §5). A missing attribute or an index out of range is
 * an error, not null: a guard that reads an absent `user.clearance` must not quietly compare
 * null. Only own properties count, so `x.constructor` or `x.__proto__` never reach
 * `Object.prototype`.
 */

/** `obj.name`: the attribute of a record; missing → EVAL105, non-record → EVAL106. */
export function getMember(obj: Value, name: string): Value {
  if (isRecord(obj)) {
    if (Object.hasOwn(obj, name)) return (obj as ValueRecord)[name] as Value
    return fail(EVAL_CODES.MISSING_ATTRIBUTE, `missing attribute '${name}' on ${describeRecord(obj)}`)
  }
  return fail(EVAL_CODES.NOT_A_RECORD, `cannot read attribute '${name}' of ${typeName(obj)}: only records have attributes`)
}

/** `obj[idx]`: an array with an integer index in range, or a record with a string key. */
export function getIndex(obj: Value, idx: Value): Value {
  if (Array.isArray(obj)) {
    const xs = obj as readonly Value[]
    if (typeof idx !== 'number' || !Number.isInteger(idx)) {
      return fail(EVAL_CODES.BAD_INDEX, `array index must be an integer, got ${typeof idx === 'number' ? String(idx) : typeName(idx)}`)
    }
    if (idx < 0 || idx >= xs.length) {
      return fail(EVAL_CODES.INDEX_OUT_OF_RANGE, `index ${idx} out of range for array of length ${xs.length}`)
    }
    return xs[idx] as Value
  }
  if (isRecord(obj)) {
    if (typeof idx !== 'string') return fail(EVAL_CODES.BAD_INDEX, `record key must be a string, got ${typeName(idx)}`)
    return getMember(obj, idx)
  }
  return fail(EVAL_CODES.NOT_INDEXABLE, `cannot index ${typeName(obj)}: only arrays and records can be indexed`)
}

/** `has(obj, name)`: whether a record has the attribute. A non-record is a type error, not `false`. */
export function hasAttr(obj: Value, name: string): boolean {
  if (isRecord(obj)) return Object.hasOwn(obj, name)
  return fail(EVAL_CODES.NOT_A_RECORD, `cannot test attribute '${name}' on ${typeName(obj)}: only records have attributes`)
}

function describeRecord(r: ValueRecord): string {
  const id = Object.hasOwn(r, 'id') ? r.id : undefined
  return typeof id === 'string' ? `entity ${quote(id)}` : 'record'
}
