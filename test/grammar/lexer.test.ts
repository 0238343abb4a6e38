import { describe, expect, it } from 'vitest'
import { lex } from '../../grammar/lexer.js'

const kinds = (text: string) => lex(text).tokens.map((t) => t.tokenType.name)
const images = (text: string) => lex(text).tokens.map((t) => t.image)
const codes = (text: string) => lex(text).diagnostics.map((d) => [d.code, d.span.start, d.span.end])

describe('lexer', () => {
  it('skips whitespace and keeps comments apart for the formatter', () => {
    const out = lex('a // one\n# two\n\tb "#x" // three')
    expect(out.tokens.map((t) => t.image)).toEqual(['a', 'b', '"#x"'])
    expect(out.comments.map((t) => t.image)).toEqual(['// one', '# two', '// three'])
    expect(out.diagnostics).toEqual([])
  })

  it('lexes numbers, durations and vault references by longest match', () => {
    expect(kinds('10_000_000 0.75 30s 5m 2h 7d 1w 6months 1y 30.seconds 5.minutes 2.hours')).toEqual([
      'NumberLiteral', 'NumberLiteral', 'DurationLiteral', 'DurationLiteral', 'DurationLiteral', 'DurationLiteral',
      'DurationLiteral', 'DurationLiteral', 'DurationLiteral', 'DottedDuration', 'DottedDuration', 'DottedDuration',
    ])
    expect(images('5min')).toEqual(['5m', 'in'])
    expect(kinds('5min')).toEqual(['DurationLiteral', 'In'])
    expect(kinds('5.secondsx')).toEqual(['NumberLiteral', 'Dot', 'Identifier'])
    expect(kinds('vault://a/b_c-d.x')).toEqual(['VaultRef'])
  })

  it('lexes keywords only as whole words, and `int` is not `in` + `t`', () => {
    expect(kinds('in int interval policy policy_x _ _x')).toEqual(['In', 'IntType', 'Identifier', 'Policy', 'Identifier', 'Underscore', 'Identifier'])
  })

  it('lexes operators longest first', () => {
    expect(images('a->b=>c||d&&e==f!=g<=h>=i::j|k')).toEqual(['a', '->', 'b', '=>', 'c', '||', 'd', '&&', 'e', '==', 'f', '!=', 'g', '<=', 'h', '>=', 'i', '::', 'j', '|', 'k'])
  })

  it.each([
    ['@', 'LEX001', 0, 1],
    ['/* x */', 'LEX002', 0, 7],
    ['/* never closed', 'LEX002', 0, 15],
    ['"open', 'LEX003', 0, 5],
    ["'single'", 'LEX004', 0, 8],
    ['$param', 'LEX005', 0, 6],
    ['500ms', 'LEX006', 0, 5],
    ['512MB', 'LEX007', 0, 5],
    ['2GiB', 'LEX007', 0, 4],
    ['1e5', 'LEX008', 0, 3],
    ['2.5E-3', 'LEX008', 0, 6],
    ['0x10', 'LEX009', 0, 4],
    ['90_days', 'LEX010', 0, 7],
    ['a & b', 'LEX011', 2, 3],
  ])('%s reports %s', (text, code, start, end) => {
    expect(codes(text)).toEqual([[code, start, end]])
    const help = lex(text).diagnostics[0]?.help
    expect(code === 'LEX001' || (help !== undefined && help.length > 0)).toBe(true)
  })

  it('stands an invalid shape in for the token the user meant, so one mistake is one error', () => {
    expect(kinds('x < 500ms')).toEqual(['Identifier', 'Less', 'NumberLiteral'])
    expect(kinds("x == 'a'")).toEqual(['Identifier', 'EqEq', 'StringLiteral'])
    expect(kinds('$p')).toEqual(['Identifier'])
    expect(kinds('a & b')).toEqual(['Identifier', 'AndAnd', 'Identifier'])
  })

  it('suggests the unit for `N_unit` and the quoted form for sizes', () => {
    expect(lex('90_days').diagnostics[0]?.help).toContain('90d')
    expect(lex('6_months').diagnostics[0]?.help).toContain('6months')
    expect(lex('512MB').diagnostics[0]?.help).toContain('"512MB"')
    expect(lex("'it'").diagnostics[0]?.help).toContain('"it"')
  })

  it('never throws and reports unknown characters with in-range spans', () => {
    const text = '\u0000é€😀\\`~'
    const out = lex(text)
    expect(out.diagnostics.length).toBeGreaterThan(0)
    for (const d of out.diagnostics) {
      expect(d.code).toBe('LEX001')
      expect(d.span.start).toBeGreaterThanOrEqual(0)
      expect(d.span.end).toBeLessThanOrEqual(text.length)
    }
  })
})
