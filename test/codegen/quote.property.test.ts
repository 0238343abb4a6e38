/**
 * `quote`, the one point where strings from policies and schemas enter generated JavaScript:
 * whatever the string, the literal evaluates back to it and cannot end early, break a line,
 * close a `<script>` element or open a template substitution.
 */
import fc from 'fast-check'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { quote } from '../../compiler/codegen/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 500)
const HOSTILE = ['"', "'", '\\', '`', '${', '}', '</script>', '</SCRIPT >', '<!--', '-->', '\u2028', '\u2029', '\n', '\r', '\u0000', '\ud800', '\udfff', '\ud83d\ude00', '*/', '//', 'x"); globalThis.pwned = 1; ("']

const hostileString = fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary' }), fc.string()), { maxLength: 12 }).map((parts) => parts.join(''))

describe('quote', () => {
  it('round-trips every string through a JavaScript evaluator', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const q = quote(s)
        expect(runInNewContext(`(${q})`)).toBe(s)
        // Also where it is spliced into statements, the way the generator uses it.
        expect(runInNewContext(`const v = ${q}; v`)).toBe(s)
      }),
      { numRuns: RUNS },
    )
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined()
  })

  it('never lets a line break, a script end, a lone surrogate or an unescaped quote into the source', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const q = quote(s)
        expect(q).not.toMatch(/[\n\r\u2028\u2029<]/)
        expect(q).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
        // The only unescaped double quotes are the delimiters.
        expect(q.slice(1, -1).replace(/\\\\/g, '').replace(/\\"/g, '')).not.toContain('"')
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it('escapes the characters that matter by name', () => {
    expect(quote('</script>')).toBe('"\\u003c/script>"')
    expect(quote('\u2028\u2029')).toBe('"\\u2028\\u2029"')
    expect(quote('\ud800')).toBe('"\\ud800"')
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(quote('${x}`')).toBe('"${x}`"')
  })
})
