import { EVAL_CODES, fail, quote, typeName } from './eval-codes.js'
import type { Ladders } from './ladders.js'
import { isDuration } from './value.js'
import type { Value } from './value.js'

/**
 * The order behind `< <= > >=`, `min` and `max` (SEMANTICS.md §5): negative, zero or positive.
 * Numbers with numbers, durations with durations, and strings only when both are rungs of one
 * ladder. Everything else is an `EvalError` — never a silent lexicographic or mixed-type order,
 * because a policy like `user.clearance >= "secret"` must not pass for `"zebra"`.
 */
export function compareValues(a: Value, b: Value, ladders: Ladders): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b)
  if (typeof a === 'string' && typeof b === 'string') return compareLadderStrings(a, b, ladders)
  if (isDuration(a) && isDuration(b)) return compareNumbers(a.$duration, b.$duration)
  return fail(EVAL_CODES.INCOMPARABLE, `cannot compare ${typeName(a)} with ${typeName(b)}`)
}

/** Compares two strings by their rank on a shared ladder; EvalError when they share none. */
export function compareLadderStrings(a: string, b: string, ladders: Ladders): number {
  const pa = ladders.byValue.get(a)
  const pb = pa === undefined ? undefined : ladders.byValue.get(b)
  // sharedLadder inlined: no result object on this hot path. Any shared ladder gives the same
  // sign, because createLadders rejects cyclic ladder sets.
  if (pa !== undefined && pb !== undefined) {
    for (const x of pa) for (const y of pb) if (x.ladder === y.ladder) return x.rank - y.rank
  }
  return fail(
    EVAL_CODES.NOT_ON_LADDER,
    `cannot compare string ${quote(a)} with string ${quote(b)}: strings are ordered only when both are on one ladder (${describeLadders(ladders)})`,
  )
}

function compareNumbers(a: number, b: number): number {
  if (a !== a || b !== b) return fail(EVAL_CODES.NON_FINITE, 'cannot compare NaN')
  return a < b ? -1 : a > b ? 1 : 0
}

function describeLadders(ladders: Ladders): string {
  const names = [...ladders.byName.keys()]
  return `ladders: ${names.join(', ')}`
}
