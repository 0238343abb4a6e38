import { describe, expect, it } from 'vitest'
import { parse, resolveParseOptions } from '../../grammar/parse.js'

describe('parse options', () => {
  it('rejects an unknown option key by name', () => {
    expect(() => parse('policy p {}', { maxDeph: 3 } as never)).toThrow(/unknown parse option 'maxDeph'/)
  })
  it('rejects bad values', () => {
    expect(() => resolveParseOptions({ maxDepth: 0 })).toThrow(/maxDepth/)
    expect(() => resolveParseOptions({ maxErrors: 1.5 })).toThrow(/maxErrors/)
    expect(() => resolveParseOptions({ strict: 'yes' as never })).toThrow(/strict/)
  })
  it('applies the options it accepts', () => {
    expect(resolveParseOptions({ maxNesting: 7 }).maxNesting).toBe(7)
    const r = parse('policy p { allow: a if ((((b)))) }', { maxNesting: 3 })
    expect(r.value).toBeUndefined()
    expect(r.diagnostics.map((d) => d.code)).toContain('PARSE012')
  })
})
