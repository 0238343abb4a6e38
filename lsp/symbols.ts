/**
 * Names and where they are. Declarations and references are read from tokens, not from the IR,
 * so that navigation keeps working in a file with a syntax error elsewhere; pattern binders and
 * lambda parameters need the IR (their scope is a rule or a lambda) and work in clean files.
 */
import type { IToken } from 'chevrotain'
import type { Span } from '../diagnostics/diagnostic.js'
import { tokenSpan } from '../grammar/lexer.js'
import { decodeString } from '../grammar/strings.js'
import { forEachExpr } from '../grammar/ir-utils.js'
import type { Expr, Program, Rule } from '../grammar/ir.js'
import { collectScopedPolicies } from '../grammar/ir-utils.js'

/** What a declaration declares. */
export type DeclarationKind = 'policy' | 'agent' | 'channel' | 'function' | 'type' | 'schedule' | 'memory' | 'webhook'

export interface Declaration {
  readonly kind: DeclarationKind
  readonly name: string
  readonly uri: string
  /** The name token. */
  readonly nameSpan: Span
  /** From the keyword to the end of the name (the whole item is known only from the IR). */
  readonly keywordSpan: Span
}

/** Keyword token names, the kind they declare, and the token that must follow the name. */
const DECLARERS: ReadonlyMap<string, { kind: DeclarationKind; follows: readonly string[] }> = new Map([
  ['Policy', { kind: 'policy', follows: ['LBrace'] }],
  ['Agent', { kind: 'agent', follows: ['LBrace', 'LParen'] }],
  ['Channel', { kind: 'channel', follows: ['LBrace'] }],
  ['Schedule', { kind: 'schedule', follows: ['LBrace'] }],
  ['Memory', { kind: 'memory', follows: ['LBrace'] }],
  ['Webhook', { kind: 'webhook', follows: ['LBrace'] }],
  ['Function', { kind: 'function', follows: ['LParen'] }],
  ['Type', { kind: 'type', follows: ['Equals'] }],
])

/** True for identifiers and keywords used as names (keywords are contextual). */
export function isNameToken(t: IToken): boolean {
  return t.tokenType.name === 'Identifier' || (t.tokenType.CATEGORIES ?? []).some((c) => c.name === 'IdentLike')
}

/**
 * Declarations in a token stream: a declaring keyword not after `.` (so `operation.type` is a
 * member), then a name, then the token that opens the item.
 */
export function declarationsOf(uri: string, tokens: readonly IToken[]): Declaration[] {
  const out: Declaration[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as IToken
    const spec = DECLARERS.get(t.tokenType.name)
    if (spec === undefined) continue
    if (tokens[i - 1]?.tokenType.name === 'Dot') continue
    const name = tokens[i + 1]
    const next = tokens[i + 2]
    if (name === undefined || !isNameToken(name) || next === undefined || !spec.follows.includes(next.tokenType.name)) continue
    out.push({ kind: spec.kind, name: name.image, uri, nameSpan: tokenSpan(name), keywordSpan: { start: t.startOffset, end: tokenSpan(name).end } })
  }
  return out
}

/** The token at an offset (a cursor right after a name still counts as on it). */
export function tokenAt(tokens: readonly IToken[], offset: number): { token: IToken; index: number } | undefined {
  let lo = 0
  let hi = tokens.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const t = tokens[mid] as IToken
    const s = tokenSpan(t)
    if (offset < s.start) hi = mid - 1
    else if (offset > s.end) lo = mid + 1
    else {
      // At a boundary between two tokens prefer the one that starts here.
      const after = tokens[mid + 1]
      if (offset === s.end && after !== undefined && after.startOffset === offset) return { token: after, index: mid + 1 }
      return { token: t, index: mid }
    }
  }
  return undefined
}

/** A name reference: an identifier not read as a member (`x.name`) — those are attributes. */
export function referencesIn(uri: string, tokens: readonly IToken[], name: string, strings: boolean): { uri: string; span: Span }[] {
  const out: { uri: string; span: Span }[] = []
  tokens.forEach((t, i) => {
    if (isNameToken(t) && t.image === name && tokens[i - 1]?.tokenType.name !== 'Dot') out.push({ uri, span: tokenSpan(t) })
    else if (strings && t.tokenType.name === 'StringLiteral') {
      // Agents and channels are named in strings: `principal.id == "janitor"`, `channel: "alerts"`.
      let value: string | undefined
      try {
        value = decodeString(t.image)
      } catch {
        value = undefined
      }
      if (value === name) out.push({ uri, span: tokenSpan(t) })
    }
  })
  return out
}

/** A local name: a pattern binder of a rule, a lambda parameter or a `let`, with its scope. */
export interface LocalName {
  readonly name: string
  /** The node that binds it. */
  readonly definition: Span
  /** Where the binding is visible. */
  readonly scope: Span
  readonly kind: 'binder' | 'parameter' | 'let'
}

/** Locals of a program whose scope contains `offset`, innermost last. */
export function localsAt(program: Program, offset: number): LocalName[] {
  const out: LocalName[] = []
  const inside = (s: Span): boolean => s.start <= offset && offset <= s.end
  for (const { policy } of collectScopedPolicies(program)) {
    if (!inside(policy.span)) continue
    for (const rule of policy.rules) {
      if (!inside(rule.span)) continue
      out.push(...bindersOf(rule))
      forEachExpr(rule, (e) => {
        if (e.kind === 'Lambda' && inside(e.span)) for (const p of e.params) out.push({ name: p, definition: { start: e.span.start, end: e.span.start + p.length }, scope: e.span, kind: 'parameter' })
      })
    }
  }
  return out
}

/** `read(doc)`: identifiers among a target's call arguments bind for the whole rule. */
export function bindersOf(rule: Rule): LocalName[] {
  const out: LocalName[] = []
  const visit = (e: Expr): void => {
    if (e.kind === 'Call') for (const a of e.args) if (a.value.kind === 'Ident') out.push({ name: a.value.name, definition: a.value.span, scope: rule.span, kind: 'binder' })
    if (e.kind === 'Array') e.elements.forEach(visit)
    if (e.kind === 'Binary' && e.op === '||') (visit(e.left), visit(e.right))
  }
  visit(rule.target)
  if (rule.scope) visit(rule.scope)
  return out
}
