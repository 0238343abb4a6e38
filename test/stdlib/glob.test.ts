import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { DEFAULT_LIMITS, EVAL_CODES, globToMatcher, isGlobPattern, resolveLimits } from '../../stdlib/index.js'
import { RUNS, codeOf } from './helpers.js'

/** Reference: the textbook O(|p|·|s|) dynamic program for `*`-only globs. */
function dpMatch(p: string, s: string): boolean {
  let prev = new Array<boolean>(s.length + 1).fill(false)
  prev[0] = true
  for (let i = 1; i <= p.length; i++) {
    const cur = new Array<boolean>(s.length + 1).fill(false)
    const star = p[i - 1] === '*'
    cur[0] = star && (prev[0] as boolean)
    for (let j = 1; j <= s.length; j++) {
      cur[j] = star ? (prev[j] as boolean) || (cur[j - 1] as boolean) : (prev[j - 1] as boolean) && p[i - 1] === s[j - 1]
    }
    prev = cur
  }
  return prev[s.length] as boolean
}

describe('globToMatcher', () => {
  const m = (p: string): ((s: string) => boolean) => globToMatcher(p, DEFAULT_LIMITS)

  it('matches action patterns', () => {
    expect(m('tool_call::*')('tool_call::web_search')).toBe(true)
    expect(m('tool_call::*')('tool_call::')).toBe(true)
    expect(m('tool_call::*')('tool_call:')).toBe(false)
    expect(m('tool_call::*')('xtool_call::a')).toBe(false)
    expect(m('*')('')).toBe(true)
    expect(m('*')('anything')).toBe(true)
    expect(m('**')('x')).toBe(true)
    expect(m('read')('read')).toBe(true)
    expect(m('read')('reader')).toBe(false)
    expect(m('*::read')('fs::read')).toBe(true)
    expect(m('a*b*c')('abc')).toBe(true)
    expect(m('a*b*c')('aXbYc')).toBe(true)
    expect(m('a*b*c')('acb')).toBe(false)
    expect(m('ab*ba')('aba')).toBe(false)
    expect(m('a*a')('a')).toBe(false)
    // Middle pieces must end before the suffix starts.
    expect(m('a*b*ba')('aba')).toBe(false)
    expect(m('a*b*ba')('abba')).toBe(true)
    expect(m('*ab*b')('ab')).toBe(false)
  })

  it('treats everything but * literally', () => {
    expect(m('a?c')('abc')).toBe(false)
    expect(m('a?c')('a?c')).toBe(true)
    expect(m('[ab]*')('a')).toBe(false)
    expect(m('[ab]*')('[ab]x')).toBe(true)
    expect(m('a.c')('abc')).toBe(false)
    expect(m('\\*')('\\x')).toBe(true)
    expect(m('(a|b)')('(a|b)')).toBe(true)
  })

  it('refuses patterns longer than maxPatternLength', () => {
    const limits = resolveLimits({ maxPatternLength: 8 })
    expect(() => globToMatcher('12345678', limits)).not.toThrow()
    expect(codeOf(() => globToMatcher('123456789', limits))).toBe(EVAL_CODES.PATTERN_TOO_LONG)
    expect(codeOf(() => globToMatcher('*'.repeat(DEFAULT_LIMITS.maxPatternLength + 1), DEFAULT_LIMITS))).toBe(EVAL_CODES.PATTERN_TOO_LONG)
  })

  it('isGlobPattern spots the wildcard', () => {
    expect(isGlobPattern('tool_call::*')).toBe(true)
    expect(isGlobPattern('read')).toBe(false)
  })

  it('agrees with the dynamic-programming reference on random patterns and strings', () => {
    const chars = fc.constantFrom('a', 'b', ':', '*')
    const textChars = fc.constantFrom('a', 'b', ':')
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), fc.string({ unit: textChars, maxLength: 20 }), (p, s) => {
        expect(m(p)(s)).toBe(dpMatch(p, s))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it('agrees with the reference on near-misses: strings made from the pattern, then perturbed', () => {
    const chars = fc.constantFrom('a', 'b', '*')
    const filler = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 3 })
    const arbCase = fc
      .tuple(fc.string({ unit: chars, maxLength: 10 }), fc.array(filler, { minLength: 10, maxLength: 10 }), fc.nat({ max: 12 }), fc.constantFrom('drop', 'keep', 'add'))
      .map(([p, fills, at, how]) => {
        let i = 0
        let s = p.replace(/\*/g, () => fills[i++ % fills.length] as string)
        if (how === 'drop') s = s.slice(0, at) + s.slice(at + 1)
        if (how === 'add') s = `${s.slice(0, at)}a${s.slice(at)}`
        return [p, s] as const
      })
    let matched = 0
    fc.assert(
      fc.property(arbCase, ([p, s]) => {
        const got = m(p)(s)
        if (got) matched++
        expect(got).toBe(dpMatch(p, s))
      }),
      { numRuns: RUNS * 5 },
    )
    expect(matched).toBeGreaterThan(0)
  })

  it('agrees with the reference on long pieces (the KMP path) and on strings built to match', () => {
    const piece = fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 30, maxLength: 45 })
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 60 }), fc.boolean(), (pieces, filler, embed) => {
        const p = `*${pieces.join('*')}*`
        const s = embed ? pieces.join(filler) : filler + filler
        expect(m(p)(s)).toBe(dpMatch(p, s))
      }),
      { numRuns: RUNS },
    )
  })

  it('stays linear on hostile inputs', () => {
    // Counted, not timed: the meter counts comparisons (a native search counts its worst case,
    // positions scanned × piece length), so the check holds under instrumentation and load.
    const n = 1_000_000
    const text = 'a'.repeat(n)
    const hostile = [
      `${'*a'.repeat(500)}b`,
      `${'*a'.repeat(500)}*b*`,
      `*${'a'.repeat(1000)}b*`,
      `*${'a'.repeat(500)}b${'a'.repeat(500)}*`,
      `*${'a'.repeat(30)}b${'a'.repeat(30)}*`.repeat(16),
      `*${'a'.repeat(31)}b*`,
    ]
    for (const p of hostile) {
      const meter = { steps: 0 }
      const match = globToMatcher(p, DEFAULT_LIMITS, meter)
      expect(match(text)).toBe(false)
      // A quadratic search would cost about n × piece length (10⁹ for the third pattern).
      expect(meter.steps).toBeLessThanOrEqual(32 * (n + p.length))
      if (!p.includes('a'.repeat(31) + 'b*')) expect(meter.steps).toBeLessThanOrEqual(3 * (n + p.length))
    }
  })

  it('costs at most 32 comparisons per character of input on any pattern', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab*]{0,80}$/), fc.stringMatching(/^[ab]{0,400}$/), (p, s) => {
        const meter = { steps: 0 }
        const match = globToMatcher(p, DEFAULT_LIMITS, meter)
        expect(match(s)).toBe(dpMatch(p, s))
        expect(meter.steps).toBeLessThanOrEqual(32 * (s.length + p.length))
      }),
      { numRuns: RUNS },
    )
  })

})
