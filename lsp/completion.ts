/**
 * Completion from the tokens before the cursor: keywords where they may be written, builtins
 * and declared host functions, schema attributes after `.`, and ladder rungs inside a string
 * that is compared with something.
 */
import type { IToken } from 'chevrotain'
import type { Span } from '../diagnostics/diagnostic.js'
import { tokenSpan } from '../grammar/lexer.js'
import type { Analyzer, DocumentInfo } from './analysis.js'
import { BUILTIN_DOCS, EXPRESSION_KEYWORDS, REQUEST_NAMES, RULE_KINDS, TOP_LEVEL_KEYWORDS } from './builtin-docs.js'
import { schemaTypeOf, signatureOf, typeLabel } from './describe.js'
import { memberChain } from './hover.js'
import { isNameToken } from './symbols.js'

export type CompletionKind = 'keyword' | 'function' | 'field' | 'rung' | 'variable' | 'snippet'

export interface Completion {
  readonly label: string
  readonly kind: CompletionKind
  readonly detail?: string
  readonly documentation?: string
  /** Text inserted; the label when absent. */
  readonly insert?: string
  /** What the completion replaces (the word or string content under the cursor). */
  readonly replace?: Span
}

type Frame = 'policy' | 'agent' | 'block' | 'expr'

const COMPARISONS = new Set(['EqEq', 'NotEq', 'Less', 'LessEq', 'Greater', 'GreaterEq'])
const BLOCK_KEYWORDS = new Set(['Channel', 'Schedule', 'Memory', 'Webhook'])

/** The kind of each open `{` before the cursor, outermost first. */
function frames(tokens: readonly IToken[], upTo: number): Frame[] {
  const stack: Frame[] = []
  for (let i = 0; i < upTo; i++) {
    const t = tokens[i] as IToken
    const name = t.tokenType.name
    if (name === 'RBrace') stack.pop()
    else if (name === 'LBrace') {
      const kw = tokens[i - 2]?.tokenType.name
      // `agent name(params) -> T {`: look back past a parameter list and a return type.
      const agentHead = tokens.slice(Math.max(0, i - 12), i).some((x, j, arr) => x.tokenType.name === 'Agent' && arr[j - 1]?.tokenType.name !== 'Dot')
      stack.push(kw === 'Policy' ? 'policy' : BLOCK_KEYWORDS.has(kw ?? '') || tokens[i - 1]?.tokenType.name === 'DataClassification' ? 'block' : agentHead && stack.length === 0 ? 'agent' : 'expr')
    }
  }
  return stack
}

export function completionsAt(analyzer: Analyzer, doc: DocumentInfo, offset: number): Completion[] {
  const { env } = analyzer.analyze()
  const tokens = doc.tokens
  // Tokens that end before the cursor; a token the cursor is inside is the word being typed.
  let upTo = 0
  while (upTo < tokens.length && (tokens[upTo] as IToken).startOffset < offset) upTo++
  const current = upTo > 0 ? (tokens[upTo - 1] as IToken) : undefined
  // Only a word or a string can be "being typed"; after `.` or `(` the cursor starts a new token.
  const inCurrent = current !== undefined && tokenSpan(current).end >= offset && (isNameToken(current) || current.tokenType.name === 'StringLiteral' || current.tokenType.name === 'UnterminatedString')
  const before = inCurrent ? upTo - 1 : upTo
  const prev = tokens[before - 1]

  // Inside a string: ladder rungs, when the string is compared with something.
  const inString = current !== undefined && inCurrent && (current.tokenType.name === 'StringLiteral' || current.tokenType.name === 'UnterminatedString') && offset > current.startOffset
  if (inString || doc.text[offset - 1] === '"') {
    const op = inString ? prev : tokens[upTo - 1]
    if (op === undefined || !COMPARISONS.has(op.tokenType.name)) return []
    const start = inString ? (current as IToken).startOffset + 1 : offset
    const closed = inString && current?.tokenType.name === 'StringLiteral'
    const replace = { start, end: closed ? tokenSpan(current as IToken).end - 1 : offset }
    const out: Completion[] = []
    for (const [ladder, rungs] of env.ladders.byName) {
      rungs.forEach((r, i) => out.push({ label: r, kind: 'rung', detail: `rung ${i + 1} of ${rungs.length} on ${ladder}`, documentation: rungs.join(' < '), replace }))
    }
    return out
  }

  const word = inCurrent && current !== undefined && isNameToken(current) ? tokenSpan(current) : { start: offset, end: offset }
  const withReplace = (c: Completion): Completion => ({ ...c, replace: word })

  // After `.`: attributes of the schema type, then methods.
  const dot = tokens[before - 1]
  if (dot?.tokenType.name === 'Dot') {
    const out: Completion[] = []
    const chain = memberChain(tokens, before - 2)
    const t = schemaTypeOf(env.schema, chain)
    if (t?.kind === 'record') for (const [k, ft] of t.fields) out.push(withReplace({ label: k, kind: 'field', detail: typeLabel(ft) }))
    for (const [name, f] of env.functions) if (f.method) out.push(withReplace({ label: name, kind: 'function', detail: signatureOf(name, f), ...docOf(name, env.schema?.functions.get(name)?.doc) }))
    return out
  }

  const stack = frames(tokens, before)
  const frame = stack[stack.length - 1]
  if (frame === undefined) return TOP_LEVEL_KEYWORDS.map((k) => withReplace({ label: k, kind: 'keyword' }))
  if (frame === 'agent') return ['policy', 'function', 'capabilities', 'with'].map((k) => withReplace({ label: k, kind: 'keyword' }))
  if (frame === 'block') return ['policy', 'data_classification'].map((k) => withReplace({ label: k, kind: 'keyword' }))

  const out: Completion[] = []
  // A rule starts at the policy's `{`, after a complete rule, or where a rule kind is being typed.
  if (frame === 'policy') for (const k of RULE_KINDS) out.push(withReplace({ label: `${k}:`, kind: 'keyword', insert: `${k}: ` }))
  for (const k of EXPRESSION_KEYWORDS) out.push(withReplace({ label: k, kind: 'keyword' }))
  for (const n of REQUEST_NAMES) out.push(withReplace({ label: n, kind: 'variable', detail: 'request' }))
  for (const [k, t] of env.schema?.context ?? []) out.push(withReplace({ label: k, kind: 'variable', detail: `context.${k}: ${typeLabel(t)}` }))
  for (const [name, f] of env.functions) out.push(withReplace({ label: name, kind: 'function', detail: signatureOf(name, f), ...docOf(name, env.schema?.functions.get(name)?.doc) }))
  return out
}

function docOf(name: string, hostDoc: string | undefined): { documentation?: string } {
  const d = hostDoc ?? BUILTIN_DOCS.get(name)
  return d === undefined ? {} : { documentation: d }
}
