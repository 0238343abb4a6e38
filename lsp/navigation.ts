/**
 * Go to definition, find references, document and workspace symbols. Locals (pattern binders,
 * lambda parameters) resolve within their rule or lambda; every other name resolves across the
 * whole set, as the checker sees it.
 */
import type { IToken } from 'chevrotain'
import type { Span } from '../diagnostics/diagnostic.js'
import { tokenSpan } from '../grammar/lexer.js'
import type { Analyzer, DocumentInfo } from './analysis.js'
import { isNameToken, localsAt, referencesIn, tokenAt, type Declaration, type LocalName } from './symbols.js'

export interface Location {
  readonly uri: string
  readonly span: Span
}

/** What the name under the cursor is. */
export type Resolved =
  | { readonly kind: 'local'; readonly local: LocalName; readonly token: IToken }
  | { readonly kind: 'global'; readonly name: string; readonly declarations: readonly Declaration[]; readonly token: IToken }

export function resolveAt(analyzer: Analyzer, doc: DocumentInfo, offset: number): Resolved | undefined {
  const hit = tokenAt(doc.tokens, offset)
  if (hit === undefined) return undefined
  const { token, index } = hit
  if (!isNameToken(token) || doc.tokens[index - 1]?.tokenType.name === 'Dot') return undefined
  if (doc.program !== undefined) {
    const locals = localsAt(doc.program, offset).filter((l) => l.name === token.image)
    const local = locals[locals.length - 1]
    if (local !== undefined) return { kind: 'local', local, token }
  }
  const declarations = analyzer.allDocuments().flatMap((d) => d.declarations.filter((x) => x.name === token.image))
  if (declarations.length === 0) return undefined
  return { kind: 'global', name: token.image, declarations, token }
}

/** Name tokens inside a span, not read as members. */
function namesWithin(doc: DocumentInfo, name: string, scope: Span): Location[] {
  return doc.tokens
    .filter((t, i) => t.startOffset >= scope.start && t.startOffset < scope.end && isNameToken(t) && t.image === name && doc.tokens[i - 1]?.tokenType.name !== 'Dot')
    .map((t) => ({ uri: doc.uri, span: tokenSpan(t) }))
}

export function definitionAt(analyzer: Analyzer, doc: DocumentInfo, offset: number): Location[] {
  const r = resolveAt(analyzer, doc, offset)
  if (r === undefined) return []
  if (r.kind === 'local') return namesWithin(doc, r.local.name, r.local.scope).slice(0, 1)
  return r.declarations.map((d) => ({ uri: d.uri, span: d.nameSpan }))
}

export function referencesAt(analyzer: Analyzer, doc: DocumentInfo, offset: number, includeDeclaration: boolean): Location[] {
  const r = resolveAt(analyzer, doc, offset)
  if (r === undefined) return []
  if (r.kind === 'local') {
    const all = namesWithin(doc, r.local.name, r.local.scope)
    return includeDeclaration ? all : all.slice(1)
  }
  const strings = r.declarations.some((d) => d.kind === 'agent' || d.kind === 'channel')
  const declared = new Set(r.declarations.map((d) => `${d.uri}#${d.nameSpan.start}`))
  const out: Location[] = []
  for (const d of analyzer.allDocuments()) {
    for (const ref of referencesIn(d.uri, d.tokens, r.name, strings)) {
      if (!includeDeclaration && declared.has(`${ref.uri}#${ref.span.start}`)) continue
      out.push(ref)
    }
  }
  return out
}

/** One outline entry; children are the rules of a policy or the members of an agent. */
export interface OutlineEntry {
  readonly name: string
  readonly detail: string
  readonly kind: Declaration['kind'] | 'rule'
  readonly span: Span
  readonly selection: Span
  readonly children: readonly OutlineEntry[]
}

/**
 * The outline: from the IR when the file is clean (items with their rules), else from the
 * declarations found in tokens, so a broken file still has an outline.
 */
export function outline(doc: DocumentInfo): OutlineEntry[] {
  if (doc.program === undefined) {
    return doc.declarations.map((d) => ({ name: d.name, detail: d.kind, kind: d.kind, span: d.keywordSpan, selection: d.nameSpan, children: [] }))
  }
  const byStart = new Map(doc.declarations.map((d) => [d.keywordSpan.start, d]))
  const entry = (kind: Declaration['kind'], name: string, span: Span, children: OutlineEntry[]): OutlineEntry => {
    const decl = byStart.get(span.start)
    return { name, detail: kind, kind, span, selection: decl?.nameSpan ?? span, children }
  }
  const rules = (p: { rules: readonly { ruleKind: string; span: Span; target: { span: Span } }[] }): OutlineEntry[] =>
    p.rules.map((r) => {
      const text = doc.text.slice(r.target.span.start, r.target.span.end)
      return { name: `${r.ruleKind}: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`, detail: 'rule', kind: 'rule', span: r.span, selection: r.span, children: [] }
    })
  const out: OutlineEntry[] = []
  for (const item of doc.program.items) {
    switch (item.kind) {
      case 'Policy':
        out.push(entry('policy', item.name, item.span, rules(item)))
        break
      case 'Agent':
        out.push(entry('agent', item.name, item.span, item.members.flatMap((m) => (m.kind === 'Policy' ? [entry('policy', m.name, m.span, rules(m))] : m.kind === 'Function' ? [entry('function', m.name, m.span, [])] : []))))
        break
      case 'Function':
        out.push(entry('function', item.name, item.span, []))
        break
      case 'TypeDef':
        out.push(entry('type', item.name, item.span, []))
        break
      case 'Schedule':
      case 'Channel':
      case 'Memory':
      case 'Webhook': {
        const kind = item.kind.toLowerCase() as Declaration['kind']
        out.push(entry(kind, item.name, item.span, item.members.flatMap((m) => (m.kind === 'Policy' ? [entry('policy', m.name, m.span, rules(m))] : []))))
        break
      }
      case 'Metadata':
        break
    }
  }
  return out
}

/** Declarations across the set whose name contains the query (case-insensitive), as editors expect. */
export function workspaceSymbols(analyzer: Analyzer, query: string): Declaration[] {
  const q = query.toLowerCase()
  return analyzer.allDocuments().flatMap((d) => d.declarations.filter((x) => x.name.toLowerCase().includes(q)))
}
