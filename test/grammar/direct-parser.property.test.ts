/**
 * The direct parser (grammar/direct-parser.ts) must change nothing but speed: `parse` (direct
 * parser first, Chevrotain for what it leaves) and `parseViaCst` (Chevrotain and CST lowering
 * only) give byte-identical results — IR with spans and key order, diagnostics, comments — on
 * every file of the repository and the seed, on printed random programs, and on random
 * mutations of valid files (where the direct parser must give up exactly where Chevrotain would
 * report something). A coverage check keeps the comparison from being vacuous.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseItemsDirect } from '../../grammar/direct-parser.js'
import { lex } from '../../grammar/lexer.js'
import { parse, parseViaCst } from '../../grammar/parse.js'
import { printProgram } from '../../grammar/printer.js'
import { policySet } from '../compiler/policy-arbitrary.js'
import { program } from './ir-arbitrary.js'

const runs = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 300)
const timeout = Math.max(60_000, runs * 200)
const ROOT = new URL('../../', import.meta.url).pathname

function policyFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) {
      if (f !== 'node_modules' && f !== 'dist' && !f.startsWith('.')) policyFiles(p, out)
    } else if (f.endsWith('.policy') || f.endsWith('.symbi')) out.push(p)
  }
  return out
}

const FILES = [...policyFiles(join(ROOT, 'examples')), ...policyFiles(join(ROOT, 'test')), ...policyFiles(join(ROOT, '..', 'shared', 'examples'))]

function same(text: string, strict: boolean): void {
  const direct = JSON.stringify(parse(text, { strict }))
  const reference = JSON.stringify(parseViaCst(text, { strict }))
  if (direct !== reference) throw new Error(`parse and parseViaCst differ (strict ${strict}) on:\n${text}\n--- direct\n${direct}\n--- reference\n${reference}`)
}

/** Whether the direct parser took the whole (clean) text itself. */
function takenDirectly(text: string, strict: boolean): boolean {
  const { tokens, diagnostics } = lex(text)
  return diagnostics.length === 0 && parseItemsDirect(tokens, strict) !== undefined
}

const TOKENS = [
  '{', '}', '(', ')', '[', ']', ',', ';', ':', '::', '.', '=', '==', '=>', '|', '||', '&&', '!', '-', '+', '*', '<=', '>',
  'allow:', 'deny:', 'require:', 'audit:', 'if', 'else', 'for', 'with', 'in', 'not', 'and', 'or', 'without', 'policy', 'metadata',
  '_', 'x', 'Name', 'true', '"s"', '5', '30.seconds', '6months', 'vault://a/b', '\n', ' ', 'a = 1', 'x => x',
]

describe('direct parser ≡ Chevrotain + CST lowering', () => {
  it(`on every policy file of the repository and the seed (${FILES.length})`, () => {
    expect(FILES.length).toBeGreaterThan(50)
    let direct = 0
    for (const f of FILES) {
      const text = readFileSync(f, 'utf8')
      same(text, false)
      same(text, true)
      if (takenDirectly(text, false)) direct++
    }
    // The examples and golden inputs are mostly policies: many must go the direct way.
    expect(direct).toBeGreaterThan(20)
  })

  it('on printed random programs of every item kind', () => {
    fc.assert(
      fc.property(program, fc.boolean(), (p, strict) => same(printProgram(p), strict)),
      { numRuns: runs },
    )
  }, timeout)

  it('on random policy sets of the evaluator tests, a good share of them taken directly', () => {
    let direct = 0
    let total = 0
    fc.assert(
      fc.property(policySet, fc.boolean(), (sources, strict) => {
        for (const text of sources) {
          same(text, strict)
          total++
          if (takenDirectly(text, strict)) direct++
        }
      }),
      { numRuns: runs },
    )
    // The rest are agent and channel items, and strict mode, which the direct parser leaves alone.
    expect(direct / total).toBeGreaterThan(0.3)
  }, timeout)

  it('on random token insertions, deletions and replacements in valid files', () => {
    const files = FILES.map((f) => readFileSync(f, 'utf8')).filter((t) => takenDirectly(t, false))
    expect(files.length).toBeGreaterThan(10)
    const edit = fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 8 }), insert: fc.constantFrom('', ...TOKENS) })
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), (text, edits, strict) => {
        let out = text
        for (const e of edits) {
          const at = e.at % (out.length + 1)
          out = out.slice(0, at) + e.insert + out.slice(at + e.remove)
        }
        same(out, strict)
      }),
      { numRuns: runs * 3 },
    )
  }, timeout)

  it('gives up on what lowering reports, in both modes', () => {
    const cases: [string, boolean][] = [
      ['policy p { allow: a; deny: b }', false],
      ['policy p { allow: a if x and y }', false],
      ['policy p { allow: a if x or y }', false],
      ['policy p { allow: a with log }', false],
      ['policy p { audit: a with log }', true],
      ['policy p { audit: a for read }', true],
      ['policy p { require: [x = 1] }', true],
      ['policy p { allow: [x = 1] }', false],
      ['policy p { allow: a without b }', false],
      ['policy p { allow: a::b }', false],
      ['policy p { allow: a if x == "a" | "b" }', false],
      ['agent a { }', false],
    ]
    for (const [text, strict] of cases) {
      expect(takenDirectly(text, strict), text).toBe(false)
      same(text, strict)
    }
    expect(takenDirectly('policy p { audit: a with log  require: [x = 1] for read }', false)).toBe(true)
  })
})
