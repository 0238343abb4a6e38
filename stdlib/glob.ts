import { EVAL_CODES, fail } from './eval-codes.js'
import type { Limits } from './limits.js'

/**
 * Compiles an action glob such as `"tool_call::*"` (SEMANTICS.md §2). `*` matches any run of
 * characters, including none; every other character, `?`, `[` and `\` included, is literal.
 *
 * No regex and no backtracking: the pattern is split at `*` into literal pieces; the first must be
 * a prefix, the last a suffix, and the middle ones are found left to right, each at its leftmost
 * position after the previous one. Taking the leftmost occurrence is always safe for `*`-only
 * patterns (any later match leaves less room for what follows), so one pass decides. Successive
 * searches scan disjoint stretches of `s`, so with a linear search per piece the whole match is
 * O(|s| + |pattern|): hostile inputs like `*a*a*a…b` against `aaaa…` stay linear.
 * Patterns longer than `maxPatternLength` are refused with EVAL119.
 *
 * `meter`, when given, counts the character comparisons a match costs (for a native search, the
 * worst case `indexOf` may spend: positions scanned × piece length), so tests can check that the
 * cost stays linear without timing anything.
 */
export function globToMatcher(pattern: string, limits: Pick<Limits, 'maxPatternLength'>, meter?: GlobMeter): (s: string) => boolean {
  if (pattern.length > limits.maxPatternLength) {
    return fail(EVAL_CODES.PATTERN_TOO_LONG, `glob pattern of ${pattern.length} characters is longer than maxPatternLength (${limits.maxPatternLength})`)
  }
  const pieces = pattern.split('*')
  if (pieces.length === 1) return (s) => s === pattern
  const prefix = pieces[0] as string
  const suffix = pieces[pieces.length - 1] as string
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0).map((p) => pieceFinder(p, meter))
  const fixed = prefix.length + suffix.length
  if (middle.length === 0) {
    if (fixed === 0) return () => true
    return (s) => s.length >= fixed && s.startsWith(prefix) && s.endsWith(suffix)
  }
  return (s) => {
    if (s.length < fixed || !s.startsWith(prefix) || !s.endsWith(suffix)) return false
    const end = s.length - suffix.length
    let pos = prefix.length
    for (const find of middle) {
      const after = find(s, pos)
      if (after < 0 || after > end) return false
      pos = after
    }
    return true
  }
}

/** Counts comparisons made by matchers built with it (see `globToMatcher`). */
export interface GlobMeter {
  steps: number
}

/** Finds a piece in `s` from `from`; returns the index just past the match, or -1. */
type PieceFinder = (s: string, from: number) => number

/**
 * V8's `indexOf` is fast but O(|s| × |piece|) in its worst case: measured 49 ms for a 1 001-char
 * piece `a…aba…a` in 100 000 `a`s. Short pieces keep `indexOf` (bounded factor, and fastest for
 * ordinary names like `::`); long pieces use Knuth–Morris–Pratt, which never re-reads `s`.
 */
const NATIVE_SEARCH_MAX = 32

function pieceFinder(piece: string, meter: GlobMeter | undefined): PieceFinder {
  if (piece.length <= NATIVE_SEARCH_MAX) {
    return (s, from) => {
      const at = s.indexOf(piece, from)
      if (meter !== undefined) meter.steps += ((at < 0 ? s.length : at + piece.length) - from) * piece.length
      return at < 0 ? -1 : at + piece.length
    }
  }
  const m = piece.length
  const border = new Int32Array(m)
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && piece.charCodeAt(i) !== piece.charCodeAt(k)) k = border[k - 1] as number
    if (piece.charCodeAt(i) === piece.charCodeAt(k)) k++
    border[i] = k
  }
  return (s, from) => {
    for (let i = from, k = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (meter !== undefined) meter.steps++
      while (k > 0 && c !== piece.charCodeAt(k)) {
        k = border[k - 1] as number
        if (meter !== undefined) meter.steps++
      }
      if (c === piece.charCodeAt(k)) k++
      if (k === m) return i + 1
    }
    return -1
  }
}

/** True when a pattern contains a wildcard, i.e. is more than one literal action name. */
export function isGlobPattern(pattern: string): boolean {
  return pattern.includes('*')
}
