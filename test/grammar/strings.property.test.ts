import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lex } from '../../grammar/lexer.js'
import { decodeString, encodeString } from '../../grammar/strings.js'

const runs = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 300)
/** Per-test timeout that grows with SYMBI_PROPERTY_RUNS (about 150 ms per run is ample). */
const timeout = Math.max(60_000, runs * 150)

describe('string literals', () => {
  it('decode(encode(s)) is s for any UTF-16 string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\r', '\t', 'u', '{', '}', '\u0000', '\ud800', '\udc00', 'a') })), (s) => {
        expect(decodeString(encodeString(s))).toBe(s)
      }),
      { numRuns: runs },
    )
  }, timeout)

  it('an encoded string lexes as exactly one string literal with no diagnostics', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const encoded = encodeString(s)
        const out = lex(encoded)
        expect(out.diagnostics).toEqual([])
        expect(out.tokens.map((t) => [t.tokenType.name, t.image])).toEqual([['StringLiteral', encoded]])
      }),
      { numRuns: runs },
    )
  }, timeout)

  it('decodes the usual escapes, and an unknown escape stands for the character', () => {
    expect(decodeString(String.raw`"a\"b\\c\nd\te\rf"`)).toBe('a"b\\c\nd\te\rf')
    expect(decodeString(String.raw`"\u{1F600}\u00e9\u{0}"`)).toBe('😀é\u0000')
    expect(decodeString(String.raw`"\q\#\'"`)).toBe("q#'")
    expect(decodeString(String.raw`"\u{110000}"`)).toBe('\ufffd')
    expect(decodeString(String.raw`"\uZZ"`)).toBe('uZZ')
    expect(decodeString('"raw\nnewline"')).toBe('raw\nnewline')
    expect(decodeString('""')).toBe('')
  })

  it('encodes canonically: quotes, backslashes and control characters escaped, the rest kept', () => {
    expect(encodeString('a"b\\c\n\t\r')).toBe(String.raw`"a\"b\\c\n\t\r"`)
    expect(encodeString('\u0001\u007f')).toBe(String.raw`"\u0001\u007f"`)
    expect(encodeString('é😀#')).toBe('"é😀#"')
    expect(encodeString('\ud800x')).toBe(String.raw`"\ud800x"`)
  })
})
