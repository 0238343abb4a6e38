/**
 * The VS Code extension's TextMate grammar (editors/vscode/syntaxes), loaded the way VS Code
 * loads it: vscode-textmate over the Oniguruma WASM build. Three kinds of check:
 * - each token kind gets its scope on concrete snippets;
 * - keywords are contextual and never scoped inside strings or comments;
 * - on every example and golden source, the grammar agrees with the real lexer
 *   (grammar/tokens.ts): the same spans are comments, strings, durations, numbers, vault
 *   references and errors.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Lexer, type IToken } from 'chevrotain'
import { beforeAll, describe, expect, it } from 'vitest'
import * as oniguruma from 'vscode-oniguruma'
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from 'vscode-textmate'
import { ALL_TOKENS } from '../../grammar/tokens.js'
import { BUILTINS } from '../../stdlib/builtins.js'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GRAMMAR_PATH = join(ROOT, 'editors/vscode/syntaxes/symbi-policy.tmLanguage.json')
const S = '.symbi-policy'

let grammar: IGrammar

beforeAll(async () => {
  // The WASM build from the root node_modules (vscode-oniguruma is a root devDependency).
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'))
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer)
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => (scope === 'source.symbi-policy' ? parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null),
  })
  const g = await registry.loadGrammar('source.symbi-policy')
  if (g === null) throw new Error('the grammar did not load')
  grammar = g
})

interface Tok {
  readonly text: string
  readonly line: number // 1-based
  readonly start: number // offset in the whole text
  readonly end: number
  readonly scopes: readonly string[]
}

/** Every token of a text, lines tokenized in sequence as an editor does (CRLF, CR or LF ends a line). */
function tokenize(text: string): Tok[] {
  const out: Tok[] = []
  let stack = INITIAL
  let offset = 0
  let line = 1
  for (const m of text.matchAll(/([^\r\n]*)(\r\n|\r|\n|$)/g)) {
    const src = m[1] as string
    const r = grammar.tokenizeLine(src, stack)
    for (const t of r.tokens) {
      const end = Math.min(t.endIndex, src.length)
      if (end > t.startIndex) out.push({ text: src.slice(t.startIndex, end), line, start: offset + t.startIndex, end: offset + end, scopes: t.scopes })
    }
    stack = r.ruleStack
    offset += m[0].length
    line++
    if (m[2] === '') break
  }
  return out
}

const innermost = (t: Tok): string => t.scopes[t.scopes.length - 1] as string

/** The innermost scope of the `nth` token whose text is exactly `piece`. */
function scopeOf(text: string, piece: string, nth = 0): string {
  const found = tokenize(text).filter((t) => t.text === piece)[nth]
  if (found === undefined) throw new Error(`no token ${JSON.stringify(piece)} (#${nth}) in ${JSON.stringify(text)}: ${JSON.stringify(tokenize(text).map((t) => t.text))}`)
  return innermost(found)
}

/** All scopes (outermost first) of the token that covers the start of `piece`. */
function scopesAt(text: string, piece: string): readonly string[] {
  const at = text.indexOf(piece)
  if (at < 0) throw new Error(`${JSON.stringify(piece)} is not in the text`)
  const t = tokenize(text).find((x) => x.start <= at && at < x.end)
  return t?.scopes ?? []
}

const examples = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(policy|symbi)$/.test(f))
    .sort()
    .map((f) => join(dir, f))

describe('the TextMate grammar scopes each token kind', () => {
  it('comments, with either marker', () => {
    expect(scopeOf('// a comment', '// a comment')).toBe(`comment.line.double-slash${S}`)
    expect(scopeOf('x # trailing note', '# trailing note')).toBe(`comment.line.number-sign${S}`)
  })

  it('strings, with their escapes', () => {
    const src = 'allow: read if a == "say \\"hi\\" \\n \\u{1F600} \\\\ # not a comment"'
    expect(scopeOf(src, '\\"')).toBe(`constant.character.escape${S}`)
    expect(scopesAt(src, '\\"')).toContain(`string.quoted.double${S}`)
    for (const esc of ['\\n', '\\u{1F600}', '\\\\']) expect(scopeOf(src, esc), esc).toBe(`constant.character.escape${S}`)
    expect(scopesAt(src, '# not')).toContain(`string.quoted.double${S}`)
    expect(scopesAt(src, '# not')).not.toContain(`comment.line.number-sign${S}`)
    // Raw newlines are allowed in strings: the second line is still inside the string.
    const multi = 'allow: a if b == "first\nsecond" && c'
    expect(scopesAt(multi, 'second')).toContain(`string.quoted.double${S}`)
    expect(scopeOf(multi, '&&')).toBe(`keyword.operator.logical${S}`)
  })

  it('durations, every unit and the dotted forms', () => {
    for (const d of ['90d', '5m', '1h', '30s', '1w', '1y', '3months', '6months', '10.seconds', '5.minutes', '2.hours', '1_000s']) {
      expect(scopeOf(`deny: x if context.age > ${d}`, d), d).toBe(`constant.numeric.duration${S}`)
    }
    // Longest match without an end-of-word check, like the lexer: `5min` is `5m` `in`.
    expect(scopeOf('allow: a if 5min xs', '5m')).toBe(`constant.numeric.duration${S}`)
    expect(scopeOf('allow: a if 5min xs', 'in')).toBe(`keyword.control${S}`)
  })

  it('numbers, with `_` groups and fractions', () => {
    for (const n of ['1_000_000', '0.75', '42', '10_000.5']) expect(scopeOf(`allow: a if n < ${n}`, n), n).toBe(`constant.numeric${S}`)
  })

  it('vault references', () => {
    expect(scopeOf('webhook w { secret: vault://finance/webhook_secret-v2.key }', 'vault://finance/webhook_secret-v2.key')).toBe(`constant.other.vault${S}`)
  })

  it('each rule kind as its own scope', () => {
    const src = 'policy p {\n  allow: read\n  deny: write\n  require: approval("x")\n  audit: all_operations\n}'
    for (const k of ['allow', 'deny', 'require', 'audit']) expect(scopeOf(src, k), k).toBe(`keyword.control.rule.${k}${S}`)
    expect(scopeOf(src, ':')).toBe(`punctuation.separator.rule${S}`)
  })

  it('keywords', () => {
    const src = [
      'metadata { version = "1" }',
      'agent a(q: String) -> Report {',
      '  capabilities = ["x"]',
      '  with memory = "session" {',
      '    let n: int = 1;',
      '    for x in xs { return x; }',
      '    if a { b; } else { c; }',
      '    try { d; } catch { e; }',
      '    match n { 0 => true, _ => false, }',
      '    let f: float = 0.5; let g: bool = not true;',
      '  }',
      '}',
      'channel c { data_classification { public: "allow" } }',
      'memory m { search { top_k: 5 } }',
      'webhook w { filter { kinds: ["a"] } }',
    ].join('\n')
    for (const k of ['if', 'else', 'for', 'in', 'let', 'return', 'with', 'try', 'catch', 'match']) expect(scopeOf(src, k), k).toBe(`keyword.control${S}`)
    for (const k of ['metadata', 'capabilities', 'data_classification', 'search', 'filter']) expect(scopeOf(src, k), k).toBe(`keyword.other${S}`)
    for (const k of ['String', 'int', 'float', 'bool']) expect(scopeOf(src, k), k).toBe(`support.type.primitive${S}`)
    expect(scopeOf(src, 'true')).toBe(`constant.language.boolean${S}`)
    expect(scopeOf(src, 'false')).toBe(`constant.language.boolean${S}`)
    expect(scopeOf(src, 'not')).toBe(`keyword.operator.word${S}`)
    expect(scopeOf(src, '_')).toBe(`variable.language.wildcard${S}`)
    expect(scopeOf('allow: read if principal.level > 2', 'principal')).toBe(`variable.language.request${S}`)
  })

  it('operators', () => {
    const src = 'allow: a if !b && c || d == e && f != g && h >= 1 && i <= 2 && xs.any(x => x > 0) && j - 1 < k'
    expect(scopeOf(src, '&&')).toBe(`keyword.operator.logical${S}`)
    expect(scopeOf(src, '||')).toBe(`keyword.operator.logical${S}`)
    expect(scopeOf(src, '!')).toBe(`keyword.operator.logical${S}`)
    for (const op of ['==', '!=', '>=', '<=', '<', '>']) expect(scopeOf(src, op), op).toBe(`keyword.operator.comparison${S}`)
    expect(scopeOf(src, '=>')).toBe(`keyword.operator.arrow${S}`)
    expect(scopeOf(src, '.')).toBe(`punctuation.accessor${S}`)
    expect(scopeOf(src, '-')).toBe(`keyword.operator.arithmetic${S}`)
    expect(scopeOf(src, 'x')).toBe(`variable.parameter${S}`)
    expect(scopeOf('function f() -> int { 1 }', '->')).toBe(`keyword.operator.arrow${S}`)
  })

  it('declaration names', () => {
    expect(scopeOf('policy guard {', 'policy')).toBe(`storage.type.policy${S}`)
    expect(scopeOf('policy guard {', 'guard')).toBe(`entity.name.type.policy${S}`)
    expect(scopeOf('agent helper(q: String) -> Report {', 'helper')).toBe(`entity.name.type.agent${S}`)
    expect(scopeOf('channel alerts {', 'alerts')).toBe(`entity.name.type.channel${S}`)
    expect(scopeOf('schedule nightly {', 'nightly')).toBe(`entity.name.type.schedule${S}`)
    expect(scopeOf('memory notes {', 'notes')).toBe(`entity.name.type.memory${S}`)
    expect(scopeOf('webhook hooks {', 'hooks')).toBe(`entity.name.type.webhook${S}`)
    expect(scopeOf('function score(xs: List<String>) -> float {', 'score')).toBe(`entity.name.function${S}`)
    expect(scopeOf('type Report = { title: String }', 'Report')).toBe(`entity.name.type${S}`)
    expect(scopeOf('type Report { title: String }', 'Report')).toBe(`entity.name.type${S}`)
  })

  it('every builtin of stdlib as support.function, as a call and as a method; other calls as entity.name.function', () => {
    const names = [...BUILTINS.keys()]
    expect(names.length).toBeGreaterThanOrEqual(19)
    for (const name of names) {
      expect(scopeOf(`allow: a if ${name}(x)`, name), name).toBe(`support.function.builtin${S}`)
      expect(scopeOf(`allow: a if xs.${name}(x)`, name), `.${name}`).toBe(`support.function.builtin${S}`)
    }
    expect(scopeOf('allow: read(doc) if approved(doc)', 'approved')).toBe(`entity.name.function.call${S}`)
    expect(scopeOf('allow: read(doc)', 'read')).toBe(`entity.name.function.call${S}`)
    expect(scopeOf('allow: a if lowercase(x)', 'lowercase')).toBe(`entity.name.function.call${S}`)
  })

  it('what the lexer reports as an error is invalid', () => {
    const cases: [string, string][] = [
      ['allow: a if t < 500ms', '500ms'],
      ['allow: a if size < 512MB', '512MB'],
      ['allow: a if age > 90_days', '90_days'],
      ['allow: a if n < 1e5', '1e5'],
      ['allow: a if n < 0x10', '0x10'],
      ["allow: a if s == 'x'", "'x'"],
      ['allow: a if $role == x', '$role'],
      ['allow: a if b & c', '&'],
      ['allow: a if b @ c', '@'],
      ['/* block */', ' block '],
    ]
    for (const [src, piece] of cases) expect(scopeOf(src, piece), src).toMatch(/^invalid\.illegal\./)
    // An unclosed block comment runs on, as in the lexer.
    expect(scopesAt('/* open\npolicy p {}', 'policy')[1]).toMatch(/^invalid\.illegal\.block-comment/)
  })
})

describe('the TextMate grammar keeps keywords contextual', () => {
  it('scopes no keyword inside a string or a comment', () => {
    const src = 'policy p {\n  allow: read if context.operation.type == "policy allow: if true 5m" // deny: write if true\n  # audit: all with x\n}'
    const t = tokenize(src)
    const inside = t.filter((x) => x.scopes.some((s) => s.startsWith('string.') || s.startsWith('comment.')))
    expect(inside.map((x) => x.text).join('')).toContain('policy allow: if true 5m')
    for (const x of inside) expect(x.scopes.filter((s) => /^(keyword|storage|constant\.(language|numeric)|entity)\./.test(s)), x.text).toEqual([])
    expect(scopeOf(src, 'allow')).toBe(`keyword.control.rule.allow${S}`)
    expect(t.filter((x) => x.scopes.some((s) => s.startsWith('keyword.control.rule.'))).map((x) => x.text)).toEqual(['allow'])
  })

  it('reads a keyword as a name where the grammar cannot take it', () => {
    expect(scopeOf('allow: read if context.operation.type == "x"', 'type')).toBe(`variable.other.property${S}`)
    expect(scopeOf('allow: a.if', 'if')).toBe(`variable.other.property${S}`)
    expect(scopeOf('allow: read(policy)', 'policy')).toBe(`variable.other${S}`)
    expect(scopeOf('deny: x if allow', 'allow')).toBe(`variable.other${S}`)
    expect(scopeOf('allow: not', 'not')).toBe(`variable.other${S}`)
    expect(scopeOf('allow: match(x)', 'match')).toBe(`entity.name.function.call${S}`)
    expect(scopeOf('schedule s { agent: "reconciler" }', 'agent')).toBe(`variable.other${S}`)
    // `null`, `and`, `or` are plain identifiers (LANGUAGE.md §1).
    for (const w of ['null', 'and', 'or']) expect(scopeOf(`allow: f(${w})`, w), w).toBe(`variable.other${S}`)
  })
})

describe('the TextMate grammar agrees with the lexer', () => {
  const lexer = new Lexer([...ALL_TOKENS], { positionTracking: 'onlyOffset' })
  const accepted = [...examples('examples'), ...examples('test/golden').filter((f) => f.includes('/accept-'))]
  const all = [...examples('examples'), ...examples('test/golden'), ...examples('test/golden-cedar')]

  it('leaves no invalid scope on any line of the examples and accepted golden sources', () => {
    expect(examples('examples').length).toBeGreaterThanOrEqual(6)
    for (const f of accepted) {
      const bad = tokenize(readFileSync(join(ROOT, f), 'utf8')).filter((t) => t.scopes.some((s) => s.startsWith('invalid')))
      expect(bad.map((t) => `${f}:${t.line}: ${t.text} (${innermost(t)})`)).toEqual([])
    }
  })

  it('scopes each lexer token of every example and golden source as its kind', () => {
    const expected: Record<string, RegExp> = {
      LineComment: /^comment\.line\./,
      StringLiteral: /^punctuation\.definition\.string\.begin\./,
      UnterminatedString: /^punctuation\.definition\.string\.begin\./,
      DurationLiteral: /^constant\.numeric\.duration\./,
      DottedDuration: /^constant\.numeric\.duration\./,
      NumberLiteral: /^constant\.numeric\.symbi-policy$/,
      VaultRef: /^constant\.other\.vault\./,
      AndAnd: /^keyword\.operator\.logical\./,
      OrOr: /^keyword\.operator\.logical\./,
      Bang: /^keyword\.operator\.logical\./,
      EqEq: /^keyword\.operator\.comparison\./,
      NotEq: /^keyword\.operator\.comparison\./,
      LessEq: /^keyword\.operator\.comparison\./,
      GreaterEq: /^keyword\.operator\.comparison\./,
      FatArrow: /^keyword\.operator\.arrow\./,
      Arrow: /^keyword\.operator\.arrow\./,
      Dot: /^punctuation\.accessor\./,
      True: /^constant\.language\.boolean\./,
      False: /^constant\.language\.boolean\./,
    }
    // Tokens whose whole span must be one TextMate token of that scope.
    const exact = new Set(['DurationLiteral', 'DottedDuration', 'NumberLiteral', 'VaultRef', 'AndAnd', 'OrOr', 'EqEq', 'NotEq', 'LessEq', 'GreaterEq', 'FatArrow', 'Arrow'])
    let checked = 0
    for (const f of all) {
      const text = readFileSync(join(ROOT, f), 'utf8')
      const tm = tokenize(text)
      const at = (offset: number): Tok | undefined => tm.find((t) => t.start <= offset && offset < t.end)
      const lexed = lexer.tokenize(text)
      const tokens = lexed.tokens
      const invalid: IToken[] = lexed.groups['invalid'] ?? []
      const comments: IToken[] = lexed.groups['comments'] ?? []
      const problems: string[] = []
      const where = (t: IToken): string => `${f}:${t.image.slice(0, 20)}@${t.startOffset}`
      for (const t of [...tokens, ...comments]) {
        const name = t.tokenType.name
        const want = expected[name]
        if (want === undefined) continue
        const got = at(t.startOffset)
        checked++
        if (got === undefined || !want.test(innermost(got))) problems.push(`${where(t)} ${name}: ${got === undefined ? 'no token' : innermost(got)}`)
        else if (exact.has(name) && (got.start !== t.startOffset || got.end !== t.startOffset + t.image.length)) problems.push(`${where(t)} ${name}: TextMate token ${JSON.stringify(got.text)}`)
      }
      // Rule kinds: `allow` etc. followed by `:` (not after `.`).
      tokens.forEach((t, i) => {
        const kind = /^(Allow|Deny|Require|Audit)$/.exec(t.tokenType.name)?.[1]?.toLowerCase()
        if (kind === undefined || tokens[i + 1]?.tokenType.name !== 'Colon' || tokens[i - 1]?.tokenType.name === 'Dot') return
        const got = at(t.startOffset)
        checked++
        if (got === undefined || innermost(got) !== `keyword.control.rule.${kind}${S}`) problems.push(`${where(t)} rule kind: ${got === undefined ? '-' : innermost(got)}`)
      })
      // Errors both ways: each lexer error is invalid in TextMate, each invalid TextMate token is a lexer error.
      const errorStarts = [...invalid.map((t) => t.startOffset), ...lexed.errors.map((e) => e.offset)]
      const errorSpans = [...invalid.map((t) => [t.startOffset, t.startOffset + t.image.length] as const), ...lexed.errors.map((e) => [e.offset, e.offset + e.length] as const)]
      for (const s of errorStarts) {
        const tok = invalid.find((t) => t.startOffset === s)
        if (tok?.tokenType.name === 'UnterminatedString') continue // a string to the end of the input: TextMate cannot know it is unclosed
        const got = at(s)
        checked++
        if (got === undefined || !got.scopes.some((x) => x.startsWith('invalid.illegal.'))) problems.push(`${f}@${s} lexer error: ${got === undefined ? 'no token' : innermost(got)}`)
      }
      for (const t of tm.filter((x) => x.scopes.some((s) => s.startsWith('invalid.')))) {
        if (!errorSpans.some(([a, b]) => a <= t.start && t.start < b)) problems.push(`${f}:${t.line} ${JSON.stringify(t.text)} is invalid in TextMate but not for the lexer`)
      }
      expect(problems).toEqual([])
    }
    expect(checked).toBeGreaterThan(1000)
  })
})
