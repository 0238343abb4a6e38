import { EvalError, typeOf } from './value.js'

/**
 * Stable `EVAL…` codes raised by the stdlib. They live in the `EVAL1xx` range so that the
 * evaluators can use `EVAL0xx` for their own errors (unbound identifier, unknown function at
 * run time, …) without clashing. Never renumber a code: tests and conformance cases assert them.
 */
export const EVAL_CODES = Object.freeze({
  /** An operator got operands of types it does not accept (`"a" + 1`, `-"x"`, `1 in 2`). */
  TYPE_MISMATCH: 'EVAL101',
  /** A boolean was required (`&&`, `||`, `!`, a guard, a predicate result) and something else came. */
  NOT_BOOLEAN: 'EVAL102',
  /** `< <= > >=`, `min` or `max` on types that have no order between them. */
  INCOMPARABLE: 'EVAL103',
  /** Two strings were compared that are not both on one declared ladder. */
  NOT_ON_LADDER: 'EVAL104',
  /** A record has no attribute of that name. */
  MISSING_ATTRIBUTE: 'EVAL105',
  /** An attribute was read from (or tested on) something that is not a record. */
  NOT_A_RECORD: 'EVAL106',
  /** An array index outside `0 … length-1`. */
  INDEX_OUT_OF_RANGE: 'EVAL107',
  /** An index of the wrong type: a non-integer for an array, a non-string for a record. */
  BAD_INDEX: 'EVAL108',
  /** Indexing something that is neither an array nor a record. */
  NOT_INDEXABLE: 'EVAL109',
  /** `/` or `%` by zero. */
  DIVISION_BY_ZERO: 'EVAL110',
  /** Arithmetic produced Infinity or NaN, or a NaN operand was met. */
  NON_FINITE: 'EVAL111',
  /** A duration string or literal that is not `<integer><unit>`. */
  BAD_DURATION: 'EVAL112',
  /** A function was called with too few or too many arguments. */
  ARITY: 'EVAL113',
  /** A function argument has the wrong type (including a lambda where a value belongs). */
  ARGUMENT_TYPE: 'EVAL114',
  /** `min`/`max` of an empty array. */
  EMPTY_COLLECTION: 'EVAL115',
  /** An array, record or string larger than `maxCollectionSize`. */
  COLLECTION_TOO_LARGE: 'EVAL116',
  /** Data nested deeper than `maxValueDepth`. */
  VALUE_TOO_DEEP: 'EVAL117',
  /** Data that is not a policy value (undefined, NaN, a Date, a class instance, a function, …). */
  BAD_VALUE: 'EVAL118',
  /** A glob pattern longer than `maxPatternLength`. */
  PATTERN_TOO_LONG: 'EVAL119',
  /** A host function threw; its message is wrapped. */
  HOST_FUNCTION_FAILED: 'EVAL120',
  /** A host function returned a value of the wrong type, or a non-value (a Promise, NaN, …). */
  HOST_FUNCTION_RESULT: 'EVAL121',
  /** No builtin or host function of that name (for evaluators that resolve names late). */
  UNKNOWN_FUNCTION: 'EVAL122',
} as const)

/** One of the stdlib's error codes. */
export type EvalCode = (typeof EVAL_CODES)[keyof typeof EVAL_CODES]

/** Throws an `EvalError`; typed `never` so call sites read as control flow. */
export function fail(code: EvalCode, message: string): never {
  throw new EvalError(code, message)
}

const MAX_QUOTED = 40

/** Quotes a string for an error message, shortened so hostile input cannot bloat decisions. */
export function quote(s: string): string {
  const short = s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s
  return JSON.stringify(short)
}

/** The type name used in messages; an `undefined` slot reads as `null` like typeOf says. */
export function typeName(v: unknown): string {
  return typeOf(v)
}
