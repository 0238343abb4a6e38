/**
 * The front end never throws on any input, every diagnostic span lies inside the text, and a
 * file with an error never has a value (LANGUAGE.md §5). Inputs: arbitrary strings, and valid
 * files (examples and the golden corpus) mutated by deleting, inserting and replacing
 * characters and tokens. Mutants that still parse must also format to the same meaning.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { format } from '../../grammar/format.js'
import { stripSpans } from '../../grammar/ir-utils.js'
import { parse } from '../../grammar/parse.js'

const runs = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 300)
/** Per-test timeout that grows with SYMBI_PROPERTY_RUNS (about 150 ms per run is ample). */
const timeout = Math.max(60_000, runs * 150)

function checkInvariants(text: string, strict: boolean): void {
  const r = parse(text, { strict })
  const errors = r.diagnostics.filter((d) => d.severity === 'error')
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^(LEX|PARSE)\d{3}$/)
    for (const span of [d.span, ...(d.related ?? []).map((x) => x.span)]) {
      expect(span.start).toBeGreaterThanOrEqual(0)
      expect(span.start).toBeLessThanOrEqual(span.end)
      expect(span.end).toBeLessThanOrEqual(text.length)
    }
  }
  if (errors.length > 0) {
    expect(r.value).toBeUndefined()
    expect(format(text, { strict }).ok).toBe(false)
    return
  }
  expect(r.value).toBeDefined()
  const formatted = format(text, { strict })
  if (!formatted.ok) throw new Error('formatter refused a file that parses')
  const again = parse(formatted.text, { strict })
  if (!again.value) throw new Error(`formatted text does not parse:\n--- input\n${text}\n--- formatted\n${formatted.text}\n${JSON.stringify(again.diagnostics)}`)
  expect(stripSpans(again.value)).toEqual(stripSpans(r.value))
}

function corpus(): string[] {
  const out: string[] = []
  const examples = new URL('../../examples/', import.meta.url).pathname
  for (const f of readdirSync(examples)) if (f.endsWith('.policy') || f.endsWith('.symbi')) out.push(readFileSync(join(examples, f), 'utf8'))
  const golden = new URL('../golden/', import.meta.url).pathname
  for (const d of readdirSync(golden)) {
    for (const f of ['input.policy', 'input.symbi']) {
      const p = join(golden, d, f)
      if (existsSync(p) && d.startsWith('accept-')) out.push(readFileSync(p, 'utf8'))
    }
  }
  return out
}

const TOKENS = [
  '{', '}', '(', ')', '[', ']', ',', ';', ':', '::', '.', '=', '==', '=>', '->', '|', '||', '&', '&&', '!', '-', '"', "'", '/*', '*/',
  '#', '//', '\n', ' ', 'allow:', 'deny', 'require:', 'audit', 'if', 'else', 'for', 'with', 'in', 'not', 'and', 'or', 'without',
  'policy', 'agent', 'match', 'let', 'return', '_', 'x', 'Name', '500ms', '512MB', '90_days', '1e5', '0x10', '5.', '.5', '30.seconds',
  '6months', 'vault://a/b', '$p', '"s"', '\\', '\u0000', '😀', '\ud800',
]

type Mutation = { at: number; kind: 'delete'; length: number } | { at: number; kind: 'insert' | 'replace'; text: string }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ at: fc.nat(), kind: fc.constantFrom('insert' as const, 'replace' as const), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ minLength: 1, maxLength: 3, unit: 'binary' })) }),
)

function mutate(text: string, ms: readonly Mutation[]): string {
  let out = text
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1)
    if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length)
    else if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at)
    else out = out.slice(0, at) + m.text + out.slice(at + m.text.length)
  }
  return out
}

describe('parse never throws and keeps its invariants', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom(...TOKENS), maxLength: 40 }).map((s) => s)), fc.boolean(), (text, strict) => {
        checkInvariants(text, strict)
      }),
      { numRuns: runs },
    )
  }, timeout)

  it('on random mutations of valid files', () => {
    const files = corpus()
    expect(files.length).toBeGreaterThan(20)
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.boolean(), (text, ms, strict) => {
        checkInvariants(mutate(text, ms), strict)
      }),
      { numRuns: runs * 2 },
    )
  }, timeout)

  it('on single-character deletions (every fifth position) of one example', () => {
    const text = readFileSync(new URL('../../examples/team_channels.symbi', import.meta.url), 'utf8')
    for (let i = 0; i < text.length; i += 5) checkInvariants(text.slice(0, i) + text.slice(i + 1), false)
  })
})
