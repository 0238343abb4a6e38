import { EVAL_CODES, fail } from './eval-codes.js'
import type { Limits } from './limits.js'

/**
 * Compiles an action glob such as `"tool_call::*"` (SEMANTICS.md §2). `*` matches any run of
 * characters, including none; every other character, `?`, `[` and `\` included, is literal.
 *
 * No regex and no backtracking: the pattern is split at `*` into literal pieces; the first must be
 * a prefix, the last a suffix, and the middle ones are found left to right with `indexOf`, each
 * at its leftmost position after the previous one. Taking the leftmost occurrence is always
 * safe for `*`-only patterns (any later match leaves less room for what follows), so one pass
 * decides — hostile inputs like `*a*a*a…b` against `aaaa…` take O(pieces × |s|) at worst.
 * Patterns longer than `maxPatternLength` are refused with EVAL119.
 */
export function globToMatcher(pattern: string, limits: Pick<Limits, 'maxPatternLength'>): (s: string) => boolean {
  if (pattern.length > limits.maxPatternLength) {
    return fail(EVAL_CODES.PATTERN_TOO_LONG, `glob pattern of ${pattern.length} characters is longer than maxPatternLength (${limits.maxPatternLength})`)
  }
  const pieces = pattern.split('*')
  if (pieces.length === 1) return (s) => s === pattern
  const prefix = pieces[0] as string
  const suffix = pieces[pieces.length - 1] as string
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0)
  const fixed = prefix.length + suffix.length
  if (middle.length === 0) {
    if (fixed === 0) return () => true
    return (s) => s.length >= fixed && s.startsWith(prefix) && s.endsWith(suffix)
  }
  return (s) => {
    if (s.length < fixed || !s.startsWith(prefix) || !s.endsWith(suffix)) return false
    const end = s.length - suffix.length
    let pos = prefix.length
    for (const piece of middle) {
      const at = s.indexOf(piece, pos)
      if (at < 0 || at + piece.length > end) return false
      pos = at + piece.length
    }
    return true
  }
}

/** True when a pattern contains a wildcard, i.e. is more than one literal action name. */
export function isGlobPattern(pattern: string): boolean {
  return pattern.includes('*')
}
