/**
 * The Cedar quoting module (compiler/cedar/quote.ts): every piece of Cedar text that comes from
 * policy data. Exact outputs, because they are Cedar syntax: a wrong escape is a policy that
 * means something else, or does not parse.
 */
import { describe, expect, it } from 'vitest'
import { annotation, cedarString, entityRef, hasAttribute, hasLoneSurrogate, isBareAttribute, isEntityTypeName, likeFromGlob, likePrefix, likeSuffix, memberAccess, recordKey } from '../../compiler/cedar/quote.js'

describe('Cedar string literals', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['line\nfeed', '"line\\nfeed"'],
    ['carriage\rreturn', '"carriage\\rreturn"'],
    ['tab\there', '"tab\\there"'],
    ['\u0000\u001f\u007f', '"\\u{0}\\u{1f}\\u{7f}"'],
    ['\u0080\u009f', '"\\u{80}\\u{9f}"'],
    ['\u00a0é', '"\u00a0é"'],
    ['\u2028\u2029', '"\\u{2028}\\u{2029}"'],
    ['a*b', '"a*b"'],
    ['\u{1f600}', '"\u{1f600}"'],
  ])('%j → %s', (s, cedar) => {
    expect(cedarString(s)).toBe(cedar)
    expect(recordKey(s)).toBe(cedar)
  })
})

describe('like patterns', () => {
  it('keep `*` a wildcard in a glob and escape it elsewhere', () => {
    expect(likeFromGlob('tool_call::*')).toBe('"tool_call::*"')
    expect(likeFromGlob('a"*\n')).toBe('"a\\"*\\n"')
    expect(likePrefix('a*b')).toBe('"a\\*b*"')
    expect(likeSuffix('a*b')).toBe('"*a\\*b"')
    expect(likePrefix('x\n')).toBe('"x\\n*"')
    expect(likeSuffix('"')).toBe('"*\\""')
  })
})

describe('lone surrogates', () => {
  it.each([
    ['', false],
    ['abc', false],
    ['\u{1f600}', false],
    ['a\u{1f600}b\u{1f600}', false],
    ['\ud83d', true],
    ['\ud83da', true],
    ['\ude00', true],
    ['a\ude00', true],
    ['\ud83d\ud83d\ude00', true],
    ['\ud800\udc00', false],
    ['\udbff\udfff', false],
    ['\ud7ff', false],
    ['\ue000', false],
    ['\udc00\ud800', true],
  ])('%j → %s', (s, lone) => {
    expect(hasLoneSurrogate(s)).toBe(lone)
  })
})

describe('names', () => {
  it('bare attributes are identifiers that are not Cedar words', () => {
    for (const ok of ['a', 'level', '_x1']) expect(isBareAttribute(ok), ok).toBe(true)
    for (const bad of ['', '1a', 'a-b', 'in', 'has', 'context', '__cedar', 'a b']) expect(isBareAttribute(bad), bad).toBe(false)
    expect(memberAccess('principal', 'level')).toBe('principal.level')
    expect(memberAccess('principal', 'in')).toBe('principal["in"]')
    expect(memberAccess('principal', 'a-b')).toBe('principal["a-b"]')
    expect(hasAttribute('context', 'mfa')).toBe('context has mfa')
    expect(hasAttribute('context', 'is')).toBe('context has "is"')
  })

  it('entity type paths are `::`-joined identifiers, none a Cedar word', () => {
    for (const ok of ['Agent', 'Symbi::Tool', 'A::B::C']) expect(isEntityTypeName(ok), ok).toBe(true)
    for (const bad of ['', 'Symbi::', '::Tool', 'Symbi::in', 'if', 'A:B', 'A::1B']) expect(isEntityTypeName(bad), bad).toBe(false)
    expect(entityRef('Action', 'read "all"')).toBe('Action::"read \\"all\\""')
  })

  it('annotations take an identifier key and a quoted value', () => {
    expect(annotation('id', 'p[0]\n')).toBe('@id("p[0]\\n")')
    expect(() => annotation('bad key', 'x')).toThrow(/bad key/)
  })
})
