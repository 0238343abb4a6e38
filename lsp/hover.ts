/** Hover text for the token under the cursor, in Markdown. */
import type { IToken } from 'chevrotain'
import type { Span } from '../diagnostics/diagnostic.js'
import { tokenSpan } from '../grammar/lexer.js'
import { decodeString } from '../grammar/strings.js'
import { collectScopedPolicies } from '../grammar/ir-utils.js'
import type { Analyzer, DocumentInfo } from './analysis.js'
import { BUILTIN_DOCS } from './builtin-docs.js'
import { describeHostFunction, describeRule, describeRung, schemaTypeOf, signatureOf, typeLabel } from './describe.js'
import { resolveAt } from './navigation.js'
import { isNameToken, tokenAt } from './symbols.js'

export interface HoverResult {
  readonly markdown: string
  readonly span: Span
}

const RULE_KINDS = new Set(['Allow', 'Deny', 'Require', 'Audit'])

/** `a.b.c` ending at token `index`: the names of the chain, outermost first. */
export function memberChain(tokens: readonly IToken[], index: number): string[] {
  const names: string[] = []
  let i = index
  while (i >= 0) {
    const t = tokens[i] as IToken
    if (!isNameToken(t)) break
    names.unshift(t.image)
    if (tokens[i - 1]?.tokenType.name !== 'Dot') break
    i -= 2
  }
  return names
}

export function hoverAt(analyzer: Analyzer, doc: DocumentInfo, offset: number): HoverResult | undefined {
  const hit = tokenAt(doc.tokens, offset)
  if (hit === undefined) return undefined
  const { token, index } = hit
  const span = tokenSpan(token)
  const { env } = analyzer.analyze()
  const next = doc.tokens[index + 1]?.tokenType.name
  const afterDot = doc.tokens[index - 1]?.tokenType.name === 'Dot'

  if (token.tokenType.name === 'StringLiteral') {
    let value: string
    try {
      value = decodeString(token.image)
    } catch {
      return undefined
    }
    const rung = describeRung(value, env.ladders)
    return rung === undefined ? undefined : { markdown: rung, span }
  }

  if (RULE_KINDS.has(token.tokenType.name)) {
    const rule = ruleAt(analyzer, doc, offset)
    return rule === undefined ? undefined : { markdown: rule, span }
  }

  if (!isNameToken(token)) return undefined

  // A call: `f(…)` or the method form `x.f(…)`.
  if (next === 'LParen') {
    const declared = env.schema?.functions.get(token.image)
    if (declared !== undefined) return { markdown: describeHostFunction(declared), span }
    const f = env.functions.get(token.image)
    if (f !== undefined && (!afterDot || f.method)) {
      const doc1 = BUILTIN_DOCS.get(token.image)
      return { markdown: ['```', signatureOf(token.image, f), '```', ...(doc1 === undefined ? [] : [doc1])].join('\n'), span }
    }
  }

  // An attribute the schema types: `context.user.clearance`, `principal.role`, `user.level`.
  if (afterDot || env.schema?.context.has(token.image) === true || ['principal', 'resource', 'context'].includes(token.image)) {
    const chain = memberChain(doc.tokens, index)
    const t = schemaTypeOf(env.schema, chain)
    if (t !== undefined) return { markdown: `\`${chain.join('.')}\`: ${typeLabel(t)}${t.kind === 'record' ? ` { ${[...t.fields.keys()].join(', ')} }` : ''}`, span }
  }

  const resolved = resolveAt(analyzer, doc, offset)
  if (resolved?.kind === 'local') {
    const what = resolved.local.kind === 'binder' ? 'pattern binder: bound to the action argument in this position, visible in the whole rule' : resolved.local.kind === 'parameter' ? 'lambda parameter' : 'local'
    return { markdown: `\`${resolved.local.name}\` — ${what}`, span }
  }
  if (resolved?.kind === 'global') {
    const lines = resolved.declarations.map((d) => {
      const other = analyzer.document(d.uri)
      const line = other === undefined ? '?' : other.index.position(d.nameSpan.start).line
      return `${d.kind} \`${d.name}\` — ${d.uri.slice(d.uri.lastIndexOf('/') + 1)}:${line}`
    })
    return { markdown: lines.join('\n\n'), span }
  }

  // Inside a rule's target (`allow: read(doc)`), describe the rule.
  const rule = ruleAt(analyzer, doc, offset, true)
  return rule === undefined ? undefined : { markdown: rule, span }
}

/** The description of the rule at an offset; with `targetOnly`, only when inside its target or scope. */
function ruleAt(analyzer: Analyzer, doc: DocumentInfo, offset: number, targetOnly = false): string | undefined {
  if (doc.program === undefined) return undefined
  for (const { policy } of collectScopedPolicies(doc.program)) {
    const index = policy.rules.findIndex((r) => r.span.start <= offset && offset <= r.span.end)
    if (index < 0) continue
    const rule = policy.rules[index]
    if (rule === undefined) continue
    const inTarget = (rule.target.span.start <= offset && offset <= rule.target.span.end) || (rule.scope !== undefined && rule.scope.span.start <= offset && offset <= rule.scope.span.end)
    if (targetOnly && !inTarget) return undefined
    const checked = analyzer.checkedPolicies(doc.uri).find((p) => p.name === policy.name)?.rules[index]
    if (checked === undefined) return undefined
    return describeRule(checked, analyzer.analyze().set?.checked.vocabulary.groupsOf ?? groupsFromSchema(analyzer))
  }
  return undefined
}

function groupsFromSchema(analyzer: Analyzer): ReadonlyMap<string, readonly string[]> {
  return analyzer.analyze().env.schema?.actions ?? new Map()
}
