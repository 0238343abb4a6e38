import type { ScanRule, SkillSeverity } from './rule.js'
import { isSkillSeverity } from './rule.js'

/** Longest custom pattern source accepted. */
export const MAX_CUSTOM_PATTERN_LENGTH = 256

/** A custom rule pattern or definition that was refused. */
export class CustomRuleError extends Error {
  override readonly name = 'CustomRuleError'
}

interface GroupInfo {
  /** The group's content contains a quantifier that can repeat more than once. */
  repeats: boolean
  /** The group's content contains a top-level `|`. */
  alternates: boolean
}

/**
 * Rejects patterns that can backtrack catastrophically. The heuristic, documented in
 * docs/skills.md, is deliberately conservative:
 * - longer than {@link MAX_CUSTOM_PATTERN_LENGTH} characters;
 * - backreferences (`\1`, `\k<name>`), which make matching NP-hard;
 * - lookbehind/lookahead containing a repeating quantifier;
 * - a repeating quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 1) applied to a group whose content
 *   itself repeats or contains alternation — `(a+)+`, `(a*)*`, `(a|ab)*`, `(\w+\s?)*`.
 * It does not catch polynomial blow-ups such as `.*a.*a.*a`; those stay bounded by the scanner's
 * line-length limit. Returns a reason, or `undefined` when the pattern is accepted.
 */
export function unsafePatternReason(source: string): string | undefined {
  if (source.length > MAX_CUSTOM_PATTERN_LENGTH) return `pattern is ${source.length} characters long; the limit is ${MAX_CUSTOM_PATTERN_LENGTH}`
  const stack: (GroupInfo & { lookaround: boolean })[] = [{ repeats: false, alternates: false, lookaround: false }]
  let lastGroup: GroupInfo | undefined
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string
    const top = stack[stack.length - 1] as GroupInfo & { lookaround: boolean }
    if (c === '\\') {
      const n = source[i + 1] ?? ''
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return `backreference '\\${n}' can make matching exponential`
      i++
      lastGroup = undefined
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') {
      inClass = true
      lastGroup = undefined
      continue
    }
    if (c === '(') {
      const look = /^\?(?:<?[=!])/.test(source.slice(i + 1, i + 4))
      stack.push({ repeats: false, alternates: false, lookaround: look })
      lastGroup = undefined
      continue
    }
    if (c === ')') {
      if (stack.length === 1) return `unbalanced ')' at ${i}`
      const g = stack.pop() as GroupInfo & { lookaround: boolean }
      if (g.lookaround && g.repeats) return `lookaround at ${i} contains a repeating quantifier`
      const parent = stack[stack.length - 1] as GroupInfo
      parent.repeats ||= g.repeats
      lastGroup = g
      continue
    }
    if (c === '|') {
      top.alternates = true
      lastGroup = undefined
      continue
    }
    const repeating = repeatingQuantifierAt(source, i)
    if (repeating !== undefined) {
      if (repeating.repeats) {
        if (lastGroup !== undefined && (lastGroup.repeats || lastGroup.alternates)) {
          return `nested quantifier at ${i}: a repeated group that itself repeats or alternates can backtrack catastrophically`
        }
        top.repeats = true
      }
      i += repeating.length - 1
      lastGroup = undefined
      continue
    }
    lastGroup = undefined
  }
  if (inClass) return 'unterminated character class'
  if (stack.length !== 1) return 'unbalanced ('
  return undefined
}

function repeatingQuantifierAt(source: string, i: number): { repeats: boolean; length: number } | undefined {
  const c = source[i]
  const lazy = source[i + 1] === '?' ? 1 : 0
  if (c === '*' || c === '+') return { repeats: true, length: 1 + lazy }
  if (c === '?') return { repeats: false, length: 1 + lazy }
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24))
    if (m === null) return undefined
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])
    return { repeats: max > 1, length: m[0].length + (source[i + m[0].length] === '?' ? 1 : 0) }
  }
  return undefined
}

/**
 * Builds a custom rule. `pattern` is a regex source string or a RegExp (only its `i`, `m`, `s`
 * and `u` flags are kept). Throws {@link CustomRuleError} naming what is wrong.
 */
export function customRule(name: string, pattern: string | RegExp, severity: SkillSeverity, message: string): ScanRule {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw new CustomRuleError(`custom rule name '${name}' must be kebab-case (a-z, 0-9, -), at most 64 characters`)
  if (!isSkillSeverity(severity)) throw new CustomRuleError(`custom rule '${name}': unknown severity '${String(severity)}' (expected critical, high, medium, warning or info)`)
  if (typeof message !== 'string' || message.length === 0) throw new CustomRuleError(`custom rule '${name}': message must be a non-empty string`)
  const source = typeof pattern === 'string' ? pattern : pattern.source
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[^imsu]/g, '')
  if (source.length === 0) throw new CustomRuleError(`custom rule '${name}': pattern is empty`)
  const reason = unsafePatternReason(source)
  if (reason !== undefined) throw new CustomRuleError(`custom rule '${name}': ${reason}`)
  let re: RegExp
  try {
    re = new RegExp(source, flags)
  } catch (e) {
    throw new CustomRuleError(`custom rule '${name}': invalid pattern: ${(e as Error).message}`)
  }
  return { name, severity, category: 'custom', message, test: (line) => re.test(line) }
}
