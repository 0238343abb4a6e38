import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import * as oniguruma from 'vscode-oniguruma'
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from 'vscode-textmate'

const require = createRequire(import.meta.url)
const GRAMMAR = new URL('../../editors/vscode/syntaxes/symbi-policy.tmLanguage.json', import.meta.url)
const EXAMPLES = new URL('../../examples/', import.meta.url)

let grammar: IGrammar

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'))
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === 'source.symbi-policy' ? parseRawGrammar(readFileSync(GRAMMAR, 'utf8'), GRAMMAR.pathname) : null),
  })
  const g = await registry.loadGrammar('source.symbi-policy')
  if (g === null) throw new Error('grammar did not load')
  grammar = g
})

/** Each token of a text as [text, innermost scope], lines tokenized in sequence. */
function tokens(text: string): [string, string][] {
  const out: [string, string][] = []
  let stack = INITIAL
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, stack)
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex)
      if (s.trim() !== '') out.push([s, t.scopes[t.scopes.length - 1] as string])
    }
    stack = r.ruleStack
  }
  return out
}

const scopeOf = (text: string, piece: string): string | undefined => tokens(text).find(([s]) => s === piece)?.[1]

describe('the TextMate grammar', () => {
  it('scopes each token kind', () => {
    const src = [
      '// a comment with allow: inside',
      '# another',
      'policy guard {',
      '  allow: read(doc) if doc.level >= 3 && lower(doc.owner) == "a\\"b" || count(xs) > 1_000',
      '  deny: write if context.age > 90d && context.t < 30.seconds',
      '  require: approval(security_team) for data.*',
      '  audit: all_operations with digital_signature',
      '}',
      'agent helper(q: String) -> Report { capabilities = ["x"] }',
      'function score(xs: List<String>) -> float { let y = xs.filter(s => s.ends_with(".gov")); y }',
      'type Report = { title: String }',
      'channel alerts { policy p { allow: send } }',
    ].join('\n')
    expect(scopeOf(src, '// a comment with allow: inside')).toBe('comment.line.double-slash.symbi-policy')
    expect(scopeOf(src, '# another')).toBe('comment.line.number-sign.symbi-policy')
    expect(scopeOf(src, 'policy')).toBe('storage.type.policy.symbi-policy')
    expect(scopeOf(src, 'guard')).toBe('entity.name.type.policy.symbi-policy')
    for (const k of ['allow', 'deny', 'require', 'audit']) expect(scopeOf(src, k)).toBe(`keyword.control.rule.${k}.symbi-policy`)
    expect(scopeOf(src, '\\"')).toBe('constant.character.escape.symbi-policy')
    expect(scopeOf(src, '90d')).toBe('constant.numeric.duration.symbi-policy')
    expect(scopeOf(src, '30.seconds')).toBe('constant.numeric.duration.symbi-policy')
    expect(scopeOf(src, '1_000')).toBe('constant.numeric.symbi-policy')
    expect(scopeOf(src, '3')).toBe('constant.numeric.symbi-policy')
    expect(scopeOf(src, '&&')).toBe('keyword.operator.logical.symbi-policy')
    expect(scopeOf(src, '>=')).toBe('keyword.operator.comparison.symbi-policy')
    expect(scopeOf(src, 'lower')).toBe('support.function.builtin.symbi-policy')
    expect(scopeOf(src, 'approval')).toBe('entity.name.function.call.symbi-policy')
    expect(scopeOf(src, 'if')).toBe('keyword.control.symbi-policy')
    expect(scopeOf(src, 'with')).toBe('keyword.control.symbi-policy')
    expect(scopeOf(src, 'context')).toBe('variable.language.request.symbi-policy')
    expect(scopeOf(src, 'level')).toBe('variable.other.property.symbi-policy')
    expect(scopeOf(src, 'helper')).toBe('entity.name.type.agent.symbi-policy')
    expect(scopeOf(src, 'score')).toBe('entity.name.function.symbi-policy')
    expect(scopeOf('type Report = { title: String }', 'Report')).toBe('entity.name.type.symbi-policy')
    expect(scopeOf(src, 'alerts')).toBe('entity.name.type.channel.symbi-policy')
    expect(scopeOf(src, '=>')).toBe('keyword.operator.arrow.symbi-policy')
  })

  it('does not read keywords inside strings and comments, nor `type` as a member', () => {
    const src = 'policy p {\n  allow: read if context.operation.type == "policy allow: if" // deny: write\n}'
    const t = tokens(src)
    expect(t.find(([s]) => s === 'policy allow: if')?.[1]).toBe('string.quoted.double.symbi-policy')
    expect(t.find(([s]) => s === '// deny: write')?.[1]).toBe('comment.line.double-slash.symbi-policy')
    expect(t.find(([s]) => s === 'type')?.[1]).toBe('variable.other.property.symbi-policy')
  })

  it('tokenizes every example with no invalid scope and every rule kind and declaration scoped', () => {
    const files = readdirSync(EXAMPLES).filter((f) => /\.(policy|symbi)$/.test(f))
    expect(files.length).toBeGreaterThanOrEqual(5)
    for (const f of files) {
      const text = readFileSync(new URL(f, EXAMPLES), 'utf8')
      const t = tokens(text)
      expect(t.filter(([, s]) => s.startsWith('invalid')), f).toEqual([])
      const ruleKinds = (text.match(/^\s*(allow|deny|require|audit)\s*:/gm) ?? []).length
      expect(t.filter(([, s]) => s.startsWith('keyword.control.rule.')).length, f).toBe(ruleKinds)
      const policies = (text.match(/^\s*policy\s+\w+/gm) ?? []).length
      expect(t.filter(([, s]) => s === 'entity.name.type.policy.symbi-policy').length, f).toBe(policies)
    }
  })
})
