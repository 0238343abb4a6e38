/**
 * Hostile inputs finish quickly, never throw, never overflow the stack, and report a
 * diagnostic. Time bounds are generous CPU-time bounds; they catch hangs and quadratic
 * blow-ups, not small regressions — bench/parse.mjs measures those.
 */
import { describe, expect, it } from 'vitest'
import { PARSE } from '../../grammar/codes.js'
import { parse } from '../../grammar/parse.js'

const MB = 1 << 20
// CPU time; the slowest case (`a+` ×300k, one 600 KB expression) measured 3–4 s of CPU.
const BOUND_MS = 15_000

/**
 * Parses and measures CPU time of this process (this test file runs in its own fork), which,
 * unlike wall time, does not grow when other work shares the machine.
 */
function timed(text: string): { codes: string[]; ms: number; hasValue: boolean } {
  const before = process.cpuUsage()
  const r = parse(text)
  const used = process.cpuUsage(before)
  const ms = (used.user + used.system) / 1000
  for (const d of r.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0)
    expect(d.span.start).toBeLessThanOrEqual(d.span.end)
    expect(d.span.end).toBeLessThanOrEqual(text.length)
  }
  return { codes: r.diagnostics.map((d) => d.code), ms, hasValue: r.value !== undefined }
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b[i] = x & 0xff
  }
  return b
}

describe('hostile inputs', () => {
  it.each([
    ['1 MB of `(`', PARSE.tooDeep, `policy p { allow: ${'('.repeat(MB)} }`],
    ['1 MB of `[`', PARSE.tooDeep, `policy p { allow: ${'['.repeat(MB)} }`],
    ['1 MB of `{`', PARSE.tooDeep, '{'.repeat(MB)],
    ['100k `not `', PARSE.exprTooDeep, `policy p { allow: ${'not '.repeat(100_000)}a }`],
    ['1 MB of `!`', PARSE.exprTooDeep, `policy p { allow: ${'!'.repeat(MB)}a }`],
    ['`a => ` ×50k', PARSE.tooDeep, `policy p { allow: ${'a => '.repeat(50_000)}a }`],
    ['`else if` ladder of 50k statements', PARSE.tooDeep, `function f() { if a { 1 } ${'else if a { 1 } '.repeat(50_000)}}`],
    ['`else if` ladder of 50k expressions', PARSE.tooDeep, `policy p { allow: if a { 1 } ${'else if a { 1 } '.repeat(50_000)}}`],
    ['`a+` ×300k', PARSE.exprTooDeep, `policy p { allow: ${'a+'.repeat(300_000)}a }`],
    ['`.b` ×300k', PARSE.exprTooDeep, `policy p { allow: a${'.b'.repeat(300_000)} }`],
  ])('%s: reports %s within the time bound', (_name, code, text) => {
    const r = timed(text)
    expect(r.codes).toContain(code)
    expect(r.hasValue).toBe(false)
    expect(r.ms).toBeLessThan(BOUND_MS)
  })

  it('a 1 MB single-line string literal parses (it is valid) within the time bound', () => {
    const r = timed(`policy p { allow: a if s == "${'x'.repeat(MB)}" }`)
    expect(r.codes).toEqual([])
    expect(r.hasValue).toBe(true)
    expect(r.ms).toBeLessThan(BOUND_MS)
  })

  it('a 1 MB unterminated string reports LEX003', () => {
    const r = timed(`policy p { allow: a if s == "${'x'.repeat(MB)}`)
    expect(r.codes).toContain('LEX003')
    expect(r.ms).toBeLessThan(BOUND_MS)
  })

  it('1 MB of `)` reports a closing bracket that closes nothing', () => {
    const r = timed(')'.repeat(MB))
    expect(r.codes[0]).toBe(PARSE.unmatchedClose)
    expect(r.ms).toBeLessThan(BOUND_MS)
  })

  it.each([
    ['latin1', bytes(MB, 0x9e3779b9).toString('latin1')],
    ['invalid UTF-8', bytes(MB, 0x85ebca6b).toString('utf8')],
  ])('1 MB of random bytes decoded as %s: errors, capped at maxErrors + 1', (_name, text) => {
    const r = timed(text)
    expect(r.codes.length).toBeGreaterThan(0)
    expect(r.codes.length).toBeLessThanOrEqual(101)
    expect(r.hasValue).toBe(false)
    expect(r.ms).toBeLessThan(BOUND_MS)
  })

  it('thousands of errors in a large file are capped with PARSE015', () => {
    const r = timed('policy p { allow: a and b }\n'.repeat(5000))
    expect(r.codes).toHaveLength(101)
    expect(r.codes[100]).toBe(PARSE.tooManyErrors)
    expect(r.ms).toBeLessThan(BOUND_MS)
  })
})
