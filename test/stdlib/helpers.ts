import fc from 'fast-check'
import { EvalError, duration } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'

/** Property-test case count: CI-friendly by default, larger via SYMBI_PROPERTY_RUNS. */
export const RUNS = Number(process.env.SYMBI_PROPERTY_RUNS ?? 200)

/** Runs `f` and returns the code of the EvalError it throws; fails the test if it returns or throws anything else. */
export function codeOf(f: () => unknown): string {
  let result: unknown
  try {
    result = f()
  } catch (e) {
    if (e instanceof EvalError) return e.code
    throw new Error(`expected an EvalError, got ${String(e)}`)
  }
  throw new Error(`expected an EvalError, got result ${JSON.stringify(result)}`)
}

/** Runs `f` and returns the thrown EvalError (for message checks that name the attribute or types). */
export function evalErrorOf(f: () => unknown): EvalError {
  try {
    f()
  } catch (e) {
    if (e instanceof EvalError) return e
    throw new Error(`expected an EvalError, got ${String(e)}`)
  }
  throw new Error('expected an EvalError, none thrown')
}

/** The outcome of a call: its value or its error code, so two call forms can be compared. */
export type Outcome = { ok: true; value: Value } | { ok: false; code: string }

/** Captures the outcome of `f`; non-EvalError exceptions propagate (they are bugs). */
export function outcome(f: () => Value): Outcome {
  try {
    return { ok: true, value: f() }
  } catch (e) {
    if (e instanceof EvalError) return { ok: false, code: e.code }
    throw e
  }
}

/** Canonical JSON with sorted keys: a reference for structural equality of JSON data. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
}

/** A deep copy of JSON data with every record's keys in reverse insertion order. */
export function reorderKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorderKeys)
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).reverse()) {
      Object.defineProperty(out, k, { value: reorderKeys((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return v
}

/** Durations in a realistic range (whole seconds up to a few years). */
export const arbDuration = fc.integer({ min: -1_000_000, max: 100_000_000 }).map((s) => duration(s * 1000))

/** Scalars of every type, including durations and null. */
export const arbScalar: fc.Arbitrary<Value> = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('public', 'internal', 'confidential', 'secret', 'top_secret', 'low', 'high'),
  fc.constant(null),
  arbDuration,
)

/** Any policy value, nested a little. */
export const arbValue: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbScalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 4 }),
  ),
})).v

/** The message of whatever `f` throws, or 'no error' (for tests that pin messages of any error type). */
export function failureMessage(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return (e as Error).message
  }
  return 'no error'
}
