import { describe, expect, it } from 'vitest'
import { applyEdits } from '../../diagnostics/apply-edits.js'
import type { Diagnostic } from '../../diagnostics/diagnostic.js'
import { parse } from '../../grammar/parse.js'

/** Applies the first fix of the diagnostic with `code` and returns the repaired text. */
function repair(text: string, code: string, strict = false): { fixed: string; d: Diagnostic } {
  const d = parse(text, { strict }).diagnostics.find((x) => x.code === code)
  expect(d, `no ${code} in ${JSON.stringify(text)}`).toBeDefined()
  const fix = d?.fixes?.[0]
  expect(fix, `${code} carries no fix`).toBeDefined()
  return { fixed: applyEdits(text, fix?.edits ?? []), d: d as Diagnostic }
}

const wrap = (rule: string): string => `policy p {\n  ${rule}\n}\n`

// Each broken text, the code it earns, and the text its fix must produce (which then parses clean).
const CASES: readonly [string, string, string, boolean?][] = [
  [wrap('allow: read if a and b'), 'PARSE005', wrap('allow: read if a && b')],
  [wrap('allow: read if a or b'), 'PARSE005', wrap('allow: read if a || b')],
  [wrap('allow: read if a & b'), 'LEX011', wrap('allow: read if a && b')],
  [wrap('allow read if a'), 'PARSE002', wrap('allow: read if a')],
  [wrap('allow: read if a; deny: write'), 'PARSE004', wrap('allow: read if a deny: write')],
  [wrap('allow: read if context.t < 500ms'), 'LEX006', wrap('allow: read if context.t < "500ms"')],
  [wrap('allow: read if context.t < 2000ms'), 'LEX006', wrap('allow: read if context.t < 2s')],
  [wrap('allow: read if context.size < 10MB'), 'LEX007', wrap('allow: read if context.size < "10MB"')],
  [wrap('allow: read if context.age < 30_days'), 'LEX010', wrap('allow: read if context.age < 30d')],
  [wrap("allow: read if context.x == 'a'"), 'LEX004', wrap('allow: read if context.x == "a"')],
  [wrap('allow: read if context.x in {"a", "b"}'), 'PARSE008', wrap('allow: read if context.x in ["a", "b"]')],
  [wrap('allow: read with mfa'), 'PARSE010', wrap('allow: read')],
  [wrap('audit: read with full'), 'PARSE104', wrap('audit: read'), true],
  [wrap('allow: read if all(context.xs, |x| x > 1)'), 'PARSE101', wrap('allow: read if all(context.xs, x => x > 1)'), true],
  ['policy p {\n  allow: read\n', 'PARSE003', 'policy p {\n  allow: read\n\n}\n'],
  ['policy p {\n  allow: read if f(x\n', 'PARSE003', 'policy p {\n  allow: read if f(x\n\n)}\n'],
  // The first `}` closes the policy, so the stray one is the last.
  [wrap('allow: read }'), 'PARSE017', 'policy p {\n  allow: read }\n\n'],
  ['function f() {\n  log(1)\n  2\n}\n', 'PARSE011', 'function f() {\n  log(1);\n  2\n}\n'],
]

describe('fix-its', () => {
  it.each(CASES)('%j: %s is repaired', (text, code, expected, strict) => {
    const { fixed, d } = repair(text, code, strict ?? false)
    expect(fixed).toBe(expected)
    expect(d.fixes?.[0]?.title).toMatch(/\S/)
    const after = parse(fixed, { strict: strict ?? false })
    expect(after.diagnostics.filter((x) => x.code === code)).toEqual([])
    expect(after.diagnostics.map((x) => x.code)).toEqual([])
  })

  it('offers no fix where the repair is a guess', () => {
    const d = parse(wrap("allow: read if context.x == 'it\\'s'")).diagnostics.find((x) => x.code === 'LEX004')
    expect(d?.fixes).toBeUndefined()
    const any = parse(wrap('allow: read if a | b')).diagnostics.find((x) => x.code === 'PARSE006')
    expect(any?.fixes).toBeUndefined()
  })
})

describe('applyEdits', () => {
  it('applies edits in any order and refuses overlaps and edits outside the text', () => {
    const edits = [{ span: { start: 0, end: 1 }, text: 'X' }, { span: { start: 4, end: 5 }, text: 'Y' }]
    expect(applyEdits('abcde', edits)).toBe('XbcdY')
    expect(applyEdits('abcde', [...edits].reverse())).toBe('XbcdY')
    expect(() => applyEdits('abcde', [{ span: { start: 0, end: 3 }, text: '' }, { span: { start: 2, end: 4 }, text: '' }])).toThrow(/overlap/)
    expect(() => applyEdits('ab', [{ span: { start: 1, end: 9 }, text: '' }])).toThrow(/outside/)
  })
})

describe('fix-its on the golden corpus', () => {
  it('every fix offered on a golden input removes the diagnostic it repairs and adds no new kind of error', async () => {
    const { readdirSync, readFileSync, existsSync } = await import('node:fs')
    const root = new URL('../golden/', import.meta.url)
    let offered = 0
    for (const dir of readdirSync(root)) {
      for (const file of ['input.policy', 'input.symbi']) {
        const url = new URL(`${dir}/${file}`, root)
        if (!existsSync(url)) continue
        const text = readFileSync(url, 'utf8')
        const strict = dir.includes('strict')
        const before = parse(text, { strict }).diagnostics
        for (const d of before) {
          for (const fix of d.fixes ?? []) {
            offered++
            const after = parse(applyEdits(text, fix.edits), { strict }).diagnostics
            expect(after.filter((x) => x.code === d.code).length, `${dir}: ${fix.title}`).toBeLessThan(before.filter((x) => x.code === d.code).length)
            const kinds = new Set(before.map((x) => x.code))
            expect(after.filter((x) => !kinds.has(x.code)).map((x) => x.code), `${dir}: ${fix.title}`).toEqual([])
          }
        }
      }
    }
    expect(offered).toBeGreaterThan(5)
  })
})
