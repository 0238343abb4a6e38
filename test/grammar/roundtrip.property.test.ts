/**
 * Round-trip properties (LANGUAGE.md §6): printing generated IR and parsing it again gives the
 * same IR; `format` is idempotent, means the same, and keeps every comment.
 */
import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lowerProgram } from '../../grammar/cst-to-ir.js'
import { format } from '../../grammar/format.js'
import { stripSpans } from '../../grammar/ir-utils.js'
import type * as IR from '../../grammar/ir.js'
import { lex } from '../../grammar/lexer.js'
import { parse } from '../../grammar/parse.js'
import { getParser } from '../../grammar/parser.js'
import { printProgram } from '../../grammar/printer.js'
import { program } from './ir-arbitrary.js'

const runs = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)
/** Per-test timeout that grows with SYMBI_PROPERTY_RUNS (about 150 ms per run is ample). */
const timeout = Math.max(60_000, runs * 150)

function reparse(text: string): IR.Program {
  const r = parse(text)
  if (!r.value) throw new Error(`printed program does not parse:\n${text}\n${JSON.stringify(r.diagnostics, null, 1)}`)
  return r.value
}

/** Inserts own-line comments before some lines and trailing comments after others. */
function sprinkle(text: string, seeds: readonly number[]): { text: string; comments: string[] } {
  const lines = text.split('\n')
  const out: string[] = []
  const comments: string[] = []
  lines.forEach((line, i) => {
    const s = seeds[i % seeds.length] ?? 0
    if (s % 3 === 1) {
      const c = `// own ${i}`
      comments.push(c)
      out.push(c)
    }
    if (s % 4 === 2 && line.trim() !== '') {
      const c = `# trail ${i}`
      comments.push(c)
      out.push(`${line} ${c}`)
    } else out.push(line)
  })
  return { text: out.join('\n'), comments }
}

describe('IR → source → IR', () => {
  it('printProgram then parse gives the same IR', () => {
    fc.assert(
      fc.property(program, (ir) => {
        const text = printProgram(ir)
        expect(stripSpans(reparse(text))).toEqual(stripSpans(ir))
      }),
      { numRuns: runs },
    )
  }, timeout)

  it('the printed program is already formatted, and format is idempotent on it', () => {
    fc.assert(
      fc.property(program, (ir) => {
        const text = printProgram(ir)
        const once = format(text)
        expect(once).toEqual({ ok: true, text })
      }),
      { numRuns: runs },
    )
  }, timeout)
})

describe('parse fast path', () => {
  it('lowering one item at a time gives exactly the IR (spans included) of lowering the whole-file CST', () => {
    fc.assert(
      fc.property(program, (ir) => {
        const text = printProgram(ir)
        const parser = getParser()
        parser.input = lex(text).tokens
        const cst = parser.program()
        expect(parser.errors).toEqual([])
        const whole = lowerProgram(cst, { strict: false })
        const fast = parse(text)
        expect(fast.value?.items).toEqual(whole.items)
        expect(fast.diagnostics).toEqual(whole.diagnostics)
      }),
      { numRuns: runs },
    )
  }, timeout)
})

describe('format', () => {
  it('is idempotent, keeps meaning and keeps every comment when comments are sprinkled in', () => {
    fc.assert(
      fc.property(program, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (ir, seeds) => {
        const { text, comments } = sprinkle(printProgram(ir), seeds)
        const before = parse(text)
        if (!before.value) throw new Error(`sprinkled program does not parse:\n${text}`)
        const once = format(text)
        if (!once.ok) throw new Error('formatter refused')
        const after = reparse(once.text)
        expect(stripSpans(after)).toEqual(stripSpans(before.value))
        expect(after.comments.map((c) => c.text).sort()).toEqual([...comments].sort())
        expect(format(once.text)).toEqual(once)
      }),
      { numRuns: runs },
    )
  }, timeout)

  const examples = new URL('../../examples/', import.meta.url)
  for (const name of readdirSync(examples).filter((f) => f.endsWith('.policy') || f.endsWith('.symbi'))) {
    it(`is idempotent on examples/${name} and keeps its comments and meaning`, () => {
      const text = readFileSync(new URL(name, examples), 'utf8')
      const original = parse(text)
      const once = format(text)
      if (!once.ok || !original.value) throw new Error(`${name} does not parse`)
      expect(format(once.text)).toEqual(once)
      const after = reparse(once.text)
      expect(stripSpans(after)).toEqual(stripSpans(original.value))
      expect(after.comments.map((c) => c.text)).toEqual(original.value.comments.map((c) => c.text))
    })
  }
})
