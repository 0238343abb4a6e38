/**
 * Constraints of a property: request paths with the value (or the generator) that overrides
 * what the schema generator produced, e.g. `{ "action": "export", "resource.contains_pii": true }`.
 *
 * A value is a JSON literal, or one operator object:
 * - `{ "$oneOf": [v1, v2, …] }` — one of the literals;
 * - `{ "$type": T }` — any value of schema type T (`"number"`, `["string"]`, `{ "a": "boolean" }`);
 * - `{ "$absent": true }` — the attribute is removed.
 * `{ "$duration": ms }` is a literal duration, not an operator.
 */
import fc from 'fast-check'
import { parseSchema, SchemaError } from '../compiler/schema.js'
import type { Value } from '../stdlib/value.js'
import type { GeneratorHints } from './arbitraries.js'
import { valueArbitrary } from './arbitraries.js'

/** Constraints as written: request path → literal or operator object. */
export type Constraints = Readonly<Record<string, unknown>>

/** A parsed constraint. */
export interface ParsedConstraint {
  /** Path segments from the request root; numeric segments index arrays. */
  readonly path: readonly (string | number)[]
  /** Values to put there (`ABSENT` removes the attribute). */
  readonly arbitrary: fc.Arbitrary<unknown>
  /** Set for a bare `action` constraint: a string sets the name, anything else the whole action. */
  readonly wholeAction?: boolean
}

/** A constraint that is malformed, naming its path. */
export class ConstraintError extends Error {
  override readonly name = 'ConstraintError'
}

/** Marker for `$absent`. */
export const ABSENT: unique symbol = Symbol('absent')

const ROOTS = new Set(['principal', 'action', 'resource', 'context'])
const OPERATORS = new Set(['$oneOf', '$type', '$absent'])

/** Splits `context.user.tags.0` into segments; the first must be a request field. */
export function parsePath(path: string): (string | number)[] {
  const parts = path.split('.')
  if (parts.some((p) => p.length === 0)) throw new ConstraintError(`constraint '${path}': empty path segment`)
  if (!ROOTS.has(parts[0] as string)) throw new ConstraintError(`constraint '${path}': a path starts with principal, action, resource or context`)
  // `"action": "export"` is shorthand for the action name.
  return parts.map((p, i) => (i > 0 && /^(0|[1-9][0-9]{0,5})$/.test(p) ? Number(p) : p))
}

function parseValue(path: string, v: unknown, hints: GeneratorHints, maxArrayLength: number): fc.Arbitrary<unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fc.constant(v)
  const keys = Object.keys(v)
  const ops = keys.filter((k) => k.startsWith('$') && k !== '$duration')
  if (ops.length === 0) return fc.constant(v)
  if (ops.length !== 1 || keys.length !== 1 || !OPERATORS.has(ops[0] as string)) {
    throw new ConstraintError(`constraint '${path}': an operator object has exactly one of ${[...OPERATORS].join(', ')} (got ${keys.join(', ')})`)
  }
  const op = ops[0] as string
  const arg = (v as Record<string, unknown>)[op]
  if (op === '$absent') {
    if (arg !== true) throw new ConstraintError(`constraint '${path}': $absent takes true`)
    return fc.constant(ABSENT)
  }
  if (op === '$oneOf') {
    if (!Array.isArray(arg) || arg.length === 0) throw new ConstraintError(`constraint '${path}': $oneOf takes a non-empty array of values`)
    return fc.constantFrom(...(arg as unknown[]))
  }
  try {
    const type = parseSchema({ context: { value: arg } }).context.get('value')
    if (type === undefined) throw new ConstraintError(`constraint '${path}': bad $type`)
    return valueArbitrary(type, hints, maxArrayLength)
  } catch (e) {
    if (e instanceof SchemaError) throw new ConstraintError(`constraint '${path}': bad $type: ${e.message.replace(/^\$\.context\.value:?\s*/, '')}`)
    throw e
  }
}

/** Parses constraints; throws `ConstraintError` naming the bad path. */
export function parseConstraints(constraints: Constraints, hints: GeneratorHints = {}, maxArrayLength = 4): ParsedConstraint[] {
  if (constraints === null || typeof constraints !== 'object' || Array.isArray(constraints)) throw new ConstraintError('constraints must be an object of request paths to values')
  return Object.entries(constraints).map(([path, v]) => {
    const segments = parsePath(path)
    const value = parseValue(path, v, hints, maxArrayLength)
    if (segments.length === 1 && segments[0] === 'action') return { path: ['action', 'name'], arbitrary: value, wholeAction: true }
    return { path: segments, arbitrary: value }
  })
}

function clone(v: unknown): unknown {
  return v === null || typeof v !== 'object' ? v : JSON.parse(JSON.stringify(v))
}

/**
 * Writes constraint values into a copy of a generated request. Missing intermediate records
 * are created (arrays for numeric segments); a scalar in the way is replaced by a record.
 * An `action` constraint whose value is not a string replaces the whole action.
 */
export function applyConstraints(request: object, constraints: readonly ParsedConstraint[], values: readonly unknown[]): Record<string, unknown> {
  const out = clone(request) as Record<string, unknown>
  if (typeof out['action'] === 'string') out['action'] = { name: out['action'] }
  constraints.forEach((c, i) => {
    let value = values[i]
    let path = c.path
    if (c.wholeAction === true && typeof value !== 'string') path = ['action']
    if (value !== ABSENT) value = clone(value)
    let cur = out as Record<string | number, unknown>
    for (let j = 0; j < path.length - 1; j++) {
      const key = path[j] as string | number
      const nextIsIndex = typeof path[j + 1] === 'number'
      // Paths come from test files: only own properties are followed, and writes define own
      // keys, so `context.__proto__.x` names a key instead of reaching Object.prototype.
      let next = Object.hasOwn(cur, key) ? cur[key] : undefined
      if (next === null || typeof next !== 'object' || (nextIsIndex && !Array.isArray(next))) {
        if (value === ABSENT) return
        next = nextIsIndex ? [] : {}
        setOwn(cur, key, next)
      }
      cur = next as Record<string | number, unknown>
    }
    const last = path[path.length - 1] as string | number
    if (value === ABSENT) {
      if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1)
      else delete cur[last]
    } else if (Array.isArray(cur) && typeof last === 'number') {
      while (cur.length < last) cur.push(null)
      cur[last] = value as Value
    } else setOwn(cur, last, value)
  })
  return out
}

function setOwn(o: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
}
