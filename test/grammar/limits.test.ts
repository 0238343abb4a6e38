import { describe, expect, it } from 'vitest'
import { PARSE } from '../../grammar/codes.js'
import { parse, PARSE_DEFAULTS } from '../../grammar/parse.js'

const codes = (text: string, options = {}) => parse(text, options).diagnostics.map((d) => d.code)

describe('front-end limits', () => {
  it('has frozen defaults', () => {
    expect(Object.isFrozen(PARSE_DEFAULTS)).toBe(true)
    expect(PARSE_DEFAULTS).toEqual({ strict: false, maxNesting: 100, maxDepth: 256, maxBytes: 8 * 1024 * 1024, maxErrors: 100 })
  })

  it('maxBytes: a larger input is refused with PARSE016 before lexing; at the limit it parses', () => {
    const text = 'policy p { allow: a }'
    expect(codes(text, { maxBytes: text.length })).toEqual([])
    const r = parse(text, { maxBytes: text.length - 1 })
    expect(r.diagnostics.map((d) => d.code)).toEqual([PARSE.tooLarge])
    expect(r.value).toBeUndefined()
    expect(codes('x'.repeat(PARSE_DEFAULTS.maxBytes + 1))).toEqual([PARSE.tooLarge])
  })

  it('maxNesting: brackets one deeper than the limit give PARSE012 at the first bracket too deep', () => {
    const nest = (n: number) => `policy p { allow: ${'('.repeat(n)}a${')'.repeat(n)} }`
    // The policy's own `{` counts as one level.
    expect(codes(nest(9), { maxNesting: 10 })).toEqual([])
    const r = parse(nest(10), { maxNesting: 10 })
    expect(r.diagnostics.map((d) => d.code)).toEqual([PARSE.tooDeep])
    expect(r.diagnostics[0]?.span).toEqual({ start: 27, end: 28 })
  })

  it('maxDepth: an expression tree deeper than the limit gives PARSE013', () => {
    const nots = (n: number) => `policy p { allow: ${'not '.repeat(n)}a }`
    expect(codes(nots(200))).toEqual([])
    expect(codes(nots(400))).toEqual([PARSE.exprTooDeep])
    expect(codes(nots(40), { maxDepth: 20 })).toEqual([PARSE.exprTooDeep])
    expect(parse(nots(40), { maxDepth: 20 }).value).toBeUndefined()
  })

  it('maxErrors: reports that many diagnostics, then one PARSE015 summary', () => {
    const text = 'policy p { allow: a and b }\n'.repeat(30)
    const r = parse(text, { maxErrors: 10 })
    expect(r.diagnostics).toHaveLength(11)
    expect(r.diagnostics.slice(0, 10).every((d) => d.code === PARSE.wordOperator)).toBe(true)
    expect(r.diagnostics[10]?.code).toBe(PARSE.tooManyErrors)
    expect(r.diagnostics[10]?.message).toContain('20')
    expect(codes(text)).toHaveLength(30)
  })
})
