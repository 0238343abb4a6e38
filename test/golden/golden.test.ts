/**
 * The golden corpus: every directory here holds `input.policy` or `input.symbi` (plus an empty
 * `strict` file for --strict), and the expected `diagnostics.json`, and for accepted inputs
 * `ir.json` and `formatted.<ext>`. `node scripts/update-golden.mjs` (after `npm run build`)
 * regenerates the expectations; this test recomputes them from the sources and fails on any
 * difference. Directory names say what a case must do: `accept-*` parses without errors,
 * `reject-*` reports at least one error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Span } from '../../diagnostics/diagnostic.js'
import { LineIndex } from '../../diagnostics/source-map.js'
import { PARSE, STRICT } from '../../grammar/codes.js'
import { format } from '../../grammar/format.js'
import { stripSpans } from '../../grammar/ir-utils.js'
import { parse } from '../../grammar/parse.js'

const root = new URL('.', import.meta.url).pathname

/** Keep in step with expectationsOf in scripts/update-golden.mjs. */
function expectationsOf(text: string, strict: boolean): Record<string, string> {
  const result = parse(text, { strict })
  const index = new LineIndex(text)
  const pos = (span: Span) => {
    const { start, end } = index.range(span)
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column }
  }
  const diagnostics = result.diagnostics.map((d) => {
    const out: Record<string, unknown> = { code: d.code, severity: d.severity, ...pos(d.span) }
    if (d.related) out['related'] = d.related.map((r) => pos(r.span))
    return out
  })
  const files: Record<string, string> = {
    'diagnostics.json': `[${diagnostics.map((d) => `\n  ${JSON.stringify(d)}`).join(',')}${diagnostics.length ? '\n' : ''}]\n`,
  }
  if (result.value) {
    files['ir.json'] = `${JSON.stringify(stripSpans(result.value), null, 2)}\n`
    const formatted = format(text, { strict })
    files['formatted'] = formatted.ok ? formatted.text : '<formatter refused>\n'
  }
  return files
}

interface Case {
  readonly name: string
  readonly dir: string
  readonly ext: string
  readonly text: string
  readonly strict: boolean
}

const cases: Case[] = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .flatMap((name) => {
    const dir = join(root, name)
    const input = ['input.policy', 'input.symbi'].find((f) => existsSync(join(dir, f)))
    if (!input) return []
    return [{ name, dir, ext: input.slice('input'.length), text: readFileSync(join(dir, input), 'utf8'), strict: existsSync(join(dir, 'strict')) }]
  })

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined)

describe('golden corpus', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(50)
  })

  for (const c of cases) {
    describe(c.name, () => {
      const expected = expectationsOf(c.text, c.strict)

      it('matches the stored expectations', () => {
        expect(read(join(c.dir, 'diagnostics.json'))).toBe(expected['diagnostics.json'])
        expect(read(join(c.dir, 'ir.json'))).toBe(expected['ir.json'])
        expect(read(join(c.dir, `formatted${c.ext}`))).toBe(expected['formatted'])
      })

      if (c.name.startsWith('accept-')) {
        it('is accepted, and its formatting is stable and means the same', () => {
          const result = parse(c.text, { strict: c.strict })
          expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
          const formatted = format(c.text, { strict: c.strict })
          if (!formatted.ok) throw new Error('formatter refused an accepted input')
          const again = parse(formatted.text, { strict: c.strict })
          expect(stripSpans(again.value)).toEqual(stripSpans(result.value))
          expect(format(formatted.text, { strict: c.strict })).toEqual(formatted)
          expect(again.comments.map((x) => x.text)).toEqual(result.comments.map((x) => x.text))
        })
      } else if (c.name.startsWith('reject-')) {
        it('is rejected without IR, every error has a code, a span and a hint or message', () => {
          const result = parse(c.text, { strict: c.strict })
          expect(result.value).toBeUndefined()
          const errors = result.diagnostics.filter((d) => d.severity === 'error')
          expect(errors.length).toBeGreaterThan(0)
          for (const d of errors) {
            expect(d.code).toMatch(/^(LEX|PARSE)\d{3}$/)
            expect(d.message.length).toBeGreaterThan(0)
            expect(d.span.start).toBeLessThanOrEqual(d.span.end)
            expect(d.span.end).toBeLessThanOrEqual(c.text.length)
          }
          expect(format(c.text, { strict: c.strict }).ok).toBe(false)
        })
      } else {
        it('is named accept-* or reject-*', () => {
          expect.fail(`golden case ${c.name} must start with accept- or reject-`)
        })
      }
    })
  }

  it('names every helpful error code at least once', () => {
    const seen = new Set<string>()
    for (const c of cases) for (const d of parse(c.text, { strict: c.strict }).diagnostics) seen.add(d.code)
    // Limits (PARSE015 too many errors, PARSE016 input too large) are covered in test/grammar/limits.test.ts.
    const limitCodes = new Set<string>([PARSE.tooManyErrors, PARSE.tooLarge])
    const wanted = [...Object.values(PARSE), ...Object.values(STRICT)].filter((code) => !limitCodes.has(code))
    const lex = ['LEX001', 'LEX002', 'LEX003', 'LEX004', 'LEX005', 'LEX006', 'LEX007', 'LEX008', 'LEX009', 'LEX010', 'LEX011']
    expect([...wanted, ...lex].filter((code) => !seen.has(code))).toEqual([])
  })

  it('checks every seed extension in both modes', () => {
    const pairs: [string, string][] = [
      ['pipe-closure', STRICT.pipeClosure],
      ['for-scope', STRICT.forScope],
      ['assign-obligation', STRICT.assignObligation],
      ['with-modifiers', STRICT.withModifiers],
    ]
    for (const [name, code] of pairs) {
      const lax = cases.find((c) => c.name === `accept-seed-${name}`)
      const strict = cases.find((c) => c.name === `reject-strict-${name}`)
      expect(lax?.strict).toBe(false)
      expect(strict?.strict).toBe(true)
      expect(lax?.text).toBe(strict?.text)
      const diagnostics = parse(strict?.text ?? '', { strict: true }).diagnostics
      expect(diagnostics.some((d) => d.code === code && d.help !== undefined)).toBe(true)
    }
  })
})
