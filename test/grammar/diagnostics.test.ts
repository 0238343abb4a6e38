import { describe, expect, it } from 'vitest'
import { diagnostic } from '../../diagnostics/diagnostic.js'
import { diagnosticToJson, formatDiagnostic } from '../../diagnostics/format.js'
import { LineIndex } from '../../diagnostics/source-map.js'
import { parse } from '../../grammar/parse.js'

describe('LineIndex', () => {
  it('maps offsets to 1-based lines and columns for LF, CRLF and CR line ends', () => {
    for (const nl of ['\n', '\r\n', '\r']) {
      const text = `ab${nl}cd${nl}${nl}e`
      const index = new LineIndex(text)
      expect(index.position(0)).toEqual({ line: 1, column: 1 })
      expect(index.position(2)).toEqual({ line: 1, column: 3 })
      expect(index.position(2 + nl.length)).toEqual({ line: 2, column: 1 })
      expect(index.position(text.length)).toEqual({ line: 4, column: 2 })
      expect([1, 2, 3, 4].map((l) => index.lineText(l))).toEqual(['ab', 'cd', '', 'e'])
    }
  })

  it('clamps offsets outside the text and returns empty text for missing lines', () => {
    const index = new LineIndex('abc')
    expect(index.position(-5)).toEqual({ line: 1, column: 1 })
    expect(index.position(99)).toEqual({ line: 1, column: 4 })
    expect(index.lineText(0)).toBe('')
    expect(index.lineText(7)).toBe('')
    expect(new LineIndex('').position(0)).toEqual({ line: 1, column: 1 })
  })

  it('counts columns in UTF-16 code units', () => {
    expect(new LineIndex('😀x').position(2)).toEqual({ line: 1, column: 3 })
  })
})

describe('formatDiagnostic', () => {
  const text = 'policy p {\n    allow: a and b\n}\n'
  const index = new LineIndex(text)

  it('prints path:line:col, the source line and a caret under the span, then the hint', () => {
    const d = diagnostic('PARSE005', 'error', '`and` is not an operator', { start: 24, end: 27 }, { help: 'use `&&`' })
    expect(formatDiagnostic(d, 'p.policy', index)).toBe(
      ['p.policy:2:14: error[PARSE005]: `and` is not an operator', '  |', '2 |     allow: a and b', '  |              ^^^', '  = help: use `&&`'].join('\n'),
    )
  })

  it('prints one caret for an empty span and a note with a snippet for each related location', () => {
    const d = diagnostic('PARSE003', 'error', '`{` is never closed', { start: text.length, end: text.length }, { related: [{ message: 'opened here', span: { start: 9, end: 10 } }] })
    const out = formatDiagnostic(d, 'p.policy', index)
    expect(out.split('\n')).toEqual([
      'p.policy:4:1: error[PARSE003]: `{` is never closed',
      '  |',
      '4 | ',
      '  | ^',
      '  = note: p.policy:1:10: opened here',
      '  |',
      '1 | policy p {',
      '  |          ^',
    ])
  })

  it('cuts long lines around the caret', () => {
    const long = `${'x'.repeat(500)}@${'y'.repeat(500)}`
    const d = diagnostic('LEX001', 'error', 'unexpected', { start: 500, end: 501 })
    const lines = formatDiagnostic(d, 'f', new LineIndex(long)).split('\n')
    const source = lines[2] as string
    const caret = lines[3] as string
    expect(source.length).toBeLessThan(140)
    expect(source[caret.indexOf('^')]).toBe('@')
  })

  it('formats real parser diagnostics with the caret under the offending text', () => {
    const src = 'policy p {\n    allow: a if t < 500ms\n}\n'
    const d = parse(src).diagnostics[0]
    if (!d) throw new Error('expected a diagnostic')
    const lines = formatDiagnostic(d, 'x.policy', new LineIndex(src)).split('\n')
    expect(lines[0]).toMatch(/^x\.policy:2:21: error\[LEX006\]: /)
    expect(lines[3]).toBe(`  | ${' '.repeat(20)}^^^^^`)
  })
})

describe('diagnosticToJson', () => {
  it('has code, severity, message, 1-based positions and the hint only when present', () => {
    const index = new LineIndex('ab\ncd')
    expect(diagnosticToJson(diagnostic('X1', 'warning', 'm', { start: 1, end: 4 }, { help: 'h' }), index)).toEqual({
      code: 'X1', severity: 'warning', message: 'm', line: 1, column: 2, endLine: 2, endColumn: 2, hint: 'h',
    })
    expect('hint' in diagnosticToJson(diagnostic('X1', 'error', 'm', { start: 0, end: 0 }), index)).toBe(false)
  })
})
