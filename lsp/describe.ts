/**
 * Words for what the checker knows: action patterns, require items, function signatures,
 * ladder rungs and schema types — the text of hovers and completion details.
 */
import type { ActionPattern, ArgPattern, CheckedRule, RequireItem } from '../compiler/checked.js'
import { globMatcher, MATCH_ALL_NAMES } from '../compiler/patterns.js'
import type { HostFunctionDecl, Schema, SchemaType } from '../compiler/schema.js'
import { fieldType, typeLabel } from '../compiler/schema.js'
import type { Builtin } from '../stdlib/builtin-types.js'
import type { Ladders } from '../stdlib/ladders.js'

function argText(a: ArgPattern): string {
  return a.kind === 'bind' ? a.name : a.kind === 'any' ? '_' : JSON.stringify(a.value)
}

export function patternText(p: ActionPattern): string {
  switch (p.kind) {
    case 'any':
      return 'any action'
    case 'name':
      return `\`${p.name}\``
    case 'glob':
      return `\`${p.pattern}\``
    case 'call':
      return `${patternText(p.verb)} with arguments (${p.args.map(argText).join(', ')})`
  }
}

/** Actions of the schema's vocabulary a pattern's verb matches, by name or by group. */
function vocabularyMatches(p: ActionPattern, groupsOf: ReadonlyMap<string, readonly string[]>): string[] {
  const verb = p.kind === 'call' ? p.verb : p
  const out: string[] = []
  for (const [action, groups] of groupsOf) {
    const names = [action, ...groups]
    if (verb.kind === 'any') out.push(action)
    else if (verb.kind === 'name' && names.some((n) => n.toLowerCase() === verb.name.toLowerCase())) out.push(action)
    else if (verb.kind === 'glob') {
      const m = globMatcher(verb.pattern)
      if (names.some(m)) out.push(action)
    }
  }
  return out
}

/** What a rule's target selects: the hover over `allow:`/`deny:` and their targets. */
export function describeTarget(rule: CheckedRule, groupsOf: ReadonlyMap<string, readonly string[]>): string[] {
  const patterns = rule.kind === 'allow' || rule.kind === 'deny' ? rule.patterns : rule.scope
  const lines: string[] = []
  if (patterns === undefined) {
    lines.push(`applies to the actions this policy's allow and deny rules name (no \`for\` scope)`)
  } else {
    for (const p of patterns) {
      const verb = p.kind === 'call' ? p.verb : p
      const base = verb.kind === 'any' || (verb.kind === 'name' && MATCH_ALL_NAMES.has(verb.name)) ? 'every action' : verb.kind === 'name' ? `the action ${patternText(verb)}, or any action in group ${patternText(verb)}` : `actions and groups matching the glob ${patternText(verb)}`
      lines.push(`matches ${base}${p.kind === 'call' ? ` when its arguments match (${p.args.map(argText).join(', ')})` : ''}`)
      if (groupsOf.size > 0) {
        const known = vocabularyMatches(p, groupsOf)
        lines.push(known.length > 0 ? `schema actions matched: ${known.map((a) => `\`${a}\``).join(', ')}` : 'no action of the schema matches')
      }
    }
  }
  return lines
}

/** What each element of a `require:` target is — the thing people get wrong. */
export function describeRequire(item: RequireItem): string {
  switch (item.kind) {
    case 'precondition':
      return `precondition \`${item.source}\`: the request is denied unless it holds`
    case 'approval':
      return `approval by \`${item.approver}\`: the decision is require_approval until \`${item.approver}\` approves`
    case 'obligation':
      return `obligation \`${item.name}\`: allowed with this condition, which the enforcement point must carry out`
  }
}

export function describeRule(rule: CheckedRule, groupsOf: ReadonlyMap<string, readonly string[]>): string {
  const lines = [`**${rule.kind}** rule ${rule.ref.rule + 1} of policy \`${rule.ref.policy}\``, '', ...describeTarget(rule, groupsOf).map((l) => `- ${l}`)]
  if (rule.kind === 'require') lines.push(...rule.requires.map((r) => `- ${describeRequire(r)}`))
  if (rule.kind === 'audit') lines.push(...rule.audits.map((a) => `- audit record \`${a.name}\``))
  if (rule.modifiers.length > 0) lines.push(`- modifiers: ${rule.modifiers.map((m) => `\`${m}\``).join(', ')}`)
  if (rule.guard === undefined) lines.push('- no `if` guard: applies whenever the target matches')
  return lines.join('\n')
}

export function signatureOf(name: string, f: Pick<Builtin, 'params' | 'returns' | 'method' | 'minArgs' | 'maxArgs'>): string {
  const params = f.params.map((t, i) => (i >= f.minArgs ? `${t}?` : t))
  if (f.maxArgs === Number.POSITIVE_INFINITY) params.push('…')
  return `${name}(${params.join(', ')}) -> ${f.returns}${f.method ? '  (also x.' + name + '(…))' : ''}`
}

export function describeHostFunction(d: HostFunctionDecl): string {
  const sig = `${d.name}(${d.params.join(', ')}) -> ${d.returns}${d.method ? `  (also x.${d.name}(…))` : ''}`
  return ['```', sig, '```', 'host function declared in the schema', ...(d.doc === undefined ? [] : ['', d.doc])].join('\n')
}

/** Where a string sits on every ladder that has it. */
export function describeRung(value: string, ladders: Ladders): string | undefined {
  const positions = ladders.byValue.get(value)
  if (positions === undefined || positions.length === 0) return undefined
  return positions
    .map((p) => {
      const rungs = ladders.byName.get(p.ladder) ?? []
      const order = rungs.map((r) => (r === value ? `**${r}**` : r)).join(' < ')
      return `\`"${value}"\` is rung ${p.rank + 1} of ${rungs.length} on ladder \`${p.ladder}\`: ${order}`
    })
    .join('\n\n')
}

/** The schema type of `root.a.b…`; `root` is a request name or a top-level context key. */
export function schemaTypeOf(schema: Schema | undefined, path: readonly string[]): SchemaType | undefined {
  if (schema === undefined || path.length === 0) return undefined
  const [root, ...rest] = path as [string, ...string[]]
  let t: SchemaType | undefined =
    root === 'context' ? { kind: 'record', fields: schema.context } : root === 'principal' ? schema.principal : root === 'resource' ? schema.resource : schema.context.get(root)
  for (const name of rest) {
    if (t === undefined) return undefined
    t = fieldType(t, name)
  }
  return t
}

export { typeLabel }
