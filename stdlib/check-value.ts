import { EVAL_CODES, fail } from './eval-codes.js'
import type { EvalCode } from './eval-codes.js'
import type { Limits } from './limits.js'
import { isDuration } from './value.js'
import type { Value } from './value.js'

/**
 * Guards for data entering evaluation (request attributes, host-function results). Validating
 * once at the boundary lets every operator assume plain, finite, acyclic, bounded data.
 */

/** Throws EVAL116 when an array, string or record is larger than `maxCollectionSize`. */
export function checkCollectionSize(v: Value, limits: Limits, what: string): void {
  const size = collectionSize(v)
  if (size !== undefined && size > limits.maxCollectionSize) {
    fail(EVAL_CODES.COLLECTION_TOO_LARGE, `${what} has ${size} elements, more than maxCollectionSize (${limits.maxCollectionSize})`)
  }
}

/** The size a collection limit applies to: array length, string length, record key count; undefined for scalars. */
export function collectionSize(v: Value): number | undefined {
  if (typeof v === 'string') return v.length
  if (typeof v !== 'object' || v === null) return undefined
  if (Array.isArray(v)) return v.length
  if (isDuration(v)) return undefined
  return Object.keys(v).length
}

interface Frame {
  readonly v: unknown
  readonly depth: number
  readonly key: string | number | undefined
  readonly parent: Frame | undefined
}

/**
 * Validates that `value` is policy data: booleans, finite numbers, strings, null, durations,
 * arrays and plain records (prototype `Object.prototype` or null) — nested at most
 * `maxValueDepth` deep, each collection at most `maxCollectionSize`, `maxValueNodes` values in
 * all. Throws EVAL118 for a non-value (undefined, NaN, Infinity, a function, a Date, a Map, a
 * class instance, a symbol), EVAL117 for excessive depth (which also catches cycles) and EVAL116
 * for a collection, or data, too large (shared sub-objects count each time: what passes is a
 * tree of bounded size for every walker after this one).
 * `where` names the root in messages, e.g. `"request.context"`. Iterative: deep data cannot
 * overflow the stack.
 *
 * The error names the first bad place in sorted key order, whatever order the caller's record
 * keys were in: `{ a: undefined, b: undefined }` and `{ b: undefined, a: undefined }` are one
 * request to the decision cache, so they must get one message. The valid path (the common one)
 * walks keys as they come; only a failure is walked again, sorted.
 */
export function checkValue(value: unknown, limits: Limits, where: string): asserts value is Value {
  try {
    walk(value, limits, where, false)
  } catch (first) {
    walk(value, limits, where, true)
    // Data that failed once and passes now (an accessor that changes its answer) is not data.
    throw first
  }
}

function walk(value: unknown, limits: Limits, where: string, sorted: boolean): void {
  const stack: Frame[] = [{ v: value, depth: 0, key: undefined, parent: undefined }]
  let budget = limits.maxValueNodes
  while (stack.length > 0) {
    const f = stack.pop() as Frame
    if (--budget < 0) reject(EVAL_CODES.COLLECTION_TOO_LARGE, f, where, `brings the data past maxValueNodes (${limits.maxValueNodes}) values in all (a part reachable twice counts twice)`)
    const v = f.v
    switch (typeof v) {
      case 'boolean':
        continue
      case 'number':
        if (!Number.isFinite(v)) reject(EVAL_CODES.BAD_VALUE, f, where, `is ${String(v)}, not a finite number`)
        continue
      case 'string':
        if (v.length > limits.maxCollectionSize) tooLarge(f, where, v.length, limits)
        continue
      case 'object':
        break
      default:
        reject(EVAL_CODES.BAD_VALUE, f, where, `is ${typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`}, not a policy value`)
    }
    if (v === null) continue
    if (f.depth >= limits.maxValueDepth) {
      reject(EVAL_CODES.VALUE_TOO_DEEP, f, where, `is nested deeper than maxValueDepth (${limits.maxValueDepth})`)
    }
    if (Array.isArray(v)) {
      if (v.length > limits.maxCollectionSize) tooLarge(f, where, v.length, limits)
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: f.depth + 1, key: i, parent: f })
      continue
    }
    const proto: unknown = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name
      reject(EVAL_CODES.BAD_VALUE, f, where, `is a ${typeof name === 'string' ? name : 'non-plain object'}, not a record`)
    }
    if (Object.getOwnPropertySymbols(v).length > 0) reject(EVAL_CODES.BAD_VALUE, f, where, 'has symbol keys')
    if (isDuration(v)) {
      if (!Number.isFinite(v.$duration)) reject(EVAL_CODES.BAD_VALUE, f, where, 'is a duration that is not finite')
      continue
    }
    const keys = Object.keys(v)
    if (keys.length > limits.maxCollectionSize) tooLarge(f, where, keys.length, limits)
    if (sorted) keys.sort()
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string
      stack.push({ v: (v as Record<string, unknown>)[k], depth: f.depth + 1, key: k, parent: f })
    }
  }
}

function tooLarge(f: Frame, where: string, size: number, limits: Limits): never {
  return reject(EVAL_CODES.COLLECTION_TOO_LARGE, f, where, `has ${size} elements, more than maxCollectionSize (${limits.maxCollectionSize})`)
}

function reject(code: EvalCode, f: Frame, where: string, why: string): never {
  return fail(code, `${pathOf(f, where)} ${why}`)
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

function pathOf(f: Frame, root: string): string {
  const parts: string[] = []
  for (let cur: Frame | undefined = f; cur !== undefined && cur.key !== undefined; cur = cur.parent) {
    const k = cur.key
    if (typeof k === 'number') parts.push(`[${k}]`)
    else parts.push(IDENT.test(k) ? `.${k}` : `[${JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)}]`)
  }
  const ordered = parts.reverse()
  // Deep paths are shortened so the message itself stays bounded.
  const shown = ordered.length > 12 ? [...ordered.slice(0, 6), '…', ...ordered.slice(-6)] : ordered
  return root + shown.join('')
}
