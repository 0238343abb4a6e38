/**
 * The value model of SEMANTICS.md §5. Values are plain JavaScript data so that requests can be
 * passed in as parsed JSON without conversion:
 * - boolean, number (IEEE double), string, null (only from data), arrays, records (plain objects);
 * - a duration is the only wrapped value, so that `5m` and `300` never compare equal;
 * - an entity is a record with an `id`.
 */
export type Value = boolean | number | string | null | Duration | readonly Value[] | ValueRecord

/** A record value: a plain object with string keys. */
export interface ValueRecord {
  readonly [key: string]: Value
}

/** A length of time in milliseconds; tagged so it is never confused with a number. */
export interface Duration {
  readonly $duration: number
}

/** Makes a duration value. */
export function duration(ms: number): Duration {
  return { $duration: ms }
}

/** True for a duration value. */
export function isDuration(v: unknown): v is Duration {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $duration?: unknown }).$duration === 'number' && Object.keys(v).length === 1
}

/** True for a record (a plain object that is not a duration). */
export function isRecord(v: unknown): v is ValueRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isDuration(v)
}

/** The name of a value's type as diagnostics and errors spell it. */
export type TypeName = 'boolean' | 'number' | 'string' | 'null' | 'duration' | 'array' | 'record' | 'function'

/** The type name of a runtime value. */
export function typeOf(v: unknown): TypeName {
  if (v === null || v === undefined) return 'null'
  switch (typeof v) {
    case 'boolean':
      return 'boolean'
    case 'number':
      return 'number'
    case 'string':
      return 'string'
    case 'function':
      return 'function'
    default:
      if (Array.isArray(v)) return 'array'
      return isDuration(v) ? 'duration' : 'record'
  }
}

/**
 * An evaluation error (type mismatch, missing attribute, division by zero, limit exceeded).
 * Errors are values of the evaluator, not bugs: a rule whose guard errors is handled by the
 * combining algorithm (a deny or precondition that errors denies). `code` is an `EVAL…` code.
 */
export class EvalError extends Error {
  constructor(
    /** Stable `EVAL…` code. */
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'EvalError'
  }
}
