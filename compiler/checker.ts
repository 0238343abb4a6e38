/**
 * The checker: IR policies → a checked set (patterns, classified requirements) plus
 * diagnostics. Without a schema it checks what needs no knowledge of requests (patterns,
 * functions, arities, lambdas, limits, rules that cannot fire); with one it also resolves
 * names and attribute types.
 */
import { diagnostic, type Diagnostic, type Span } from '../diagnostics/diagnostic.js'
import type { Expr, Policy, Rule } from '../grammar/ir.js'
import { findTooDeep, type PolicyHost } from '../grammar/ir-utils.js'
import { printExpr } from '../grammar/print-expr.js'
import type { Builtin } from '../stdlib/builtin-types.js'
import type { Ladders } from '../stdlib/ladders.js'
import type { Limits } from '../stdlib/limits.js'
import type { ActionPattern, AuditItem, CheckedPolicy, CheckedRule, CheckedSet, PolicyScope, RequireItem } from './checked.js'
import { CHECK } from './codes.js'
import { toPatterns } from './patterns.js'
import type { Schema } from './schema.js'
import { TypeChecker } from './type-check.js'

/** What the checker needs besides the policies. */
export interface CheckOptions {
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  readonly limits: Limits
  readonly schema?: Schema
}

/** A policy with the file it came from. */
export interface SourcePolicy {
  readonly policy: Policy
  readonly file?: string
  /** The agent, channel or other block the policy is written in; absent at the top level. */
  readonly host?: PolicyHost
}

/** Diagnostics of one file. */
export interface FileDiagnostics {
  readonly file: string | undefined
  readonly diagnostics: Diagnostic[]
}

/** Checks policies into a set. Diagnostics are grouped by file. */
export function checkPolicies(policies: readonly SourcePolicy[], options: CheckOptions): { set: CheckedSet; diagnostics: Map<string | undefined, Diagnostic[]> } {
  const diagnostics = new Map<string | undefined, Diagnostic[]>()
  const report = (file: string | undefined, d: Diagnostic): void => {
    const list = diagnostics.get(file) ?? []
    list.push(d)
    diagnostics.set(file, list)
  }
  const seen = new Map<string, SourcePolicy>()
  const out: CheckedPolicy[] = []
  let ruleCount = 0
  if (policies.length > options.limits.maxPolicies) {
    const first = policies[options.limits.maxPolicies] as SourcePolicy
    report(first.file, diagnostic(CHECK.tooManyPolicies, 'error', `the set has ${policies.length} policies; the limit is ${options.limits.maxPolicies}`, first.policy.span))
  }
  for (const sp of policies) {
    const prior = seen.get(sp.policy.name)
    if (prior) {
      report(sp.file, diagnostic(CHECK.duplicatePolicy, 'error', `policy \`${sp.policy.name}\` is defined twice`, sp.policy.span, {
        help: 'policy names identify rules in decisions and must be unique in a set',
        related: prior.file === sp.file ? [{ message: 'first defined here', span: prior.policy.span }] : undefined,
      }))
    }
    seen.set(sp.policy.name, sp)
    ruleCount += sp.policy.rules.length
    out.push(checkPolicy(sp, options, (d) => report(sp.file, d)))
  }
  if (ruleCount > options.limits.maxRules) {
    const last = policies[policies.length - 1] as SourcePolicy
    report(last.file, diagnostic(CHECK.tooManyRules, 'error', `the set has ${ruleCount} rules; the limit is ${options.limits.maxRules}`, last.policy.span))
  }
  const groupsOf = new Map(options.schema?.actions ?? [])
  return { set: { policies: out, vocabulary: { groupsOf } }, diagnostics }
}

function checkPolicy(sp: SourcePolicy, options: CheckOptions, report: (d: Diagnostic) => void): CheckedPolicy {
  const types = new TypeChecker(options, report)
  const rules: CheckedRule[] = []
  const targets: { rule: number; patterns: ActionPattern[] }[] = []
  const sources = new Map<string, number>()
  sp.policy.rules.forEach((rule, index) => {
    const checked = checkRule(sp, rule, index, options, types, report)
    if (checked.kind === 'allow' || checked.kind === 'deny') targets.push({ rule: index, patterns: [...checked.patterns] })
    const prior = sources.get(checked.source)
    if (prior !== undefined) report(diagnostic(CHECK.duplicateRule, 'warning', `this rule repeats rule ${prior} of policy \`${sp.policy.name}\``, rule.span, { help: 'remove one of them' }))
    else sources.set(checked.source, index)
    rules.push(checked)
  })
  const scope = scopeOf(sp, report)
  return { name: sp.policy.name, ...(scope === undefined ? {} : { scope }), ...(sp.file === undefined ? {} : { file: sp.file }), rules, targets }
}

/**
 * SEMANTICS.md §6: an agent's policies govern that agent, a channel's govern that channel.
 * Schedules, memories and webhooks name no principal and no channel, so a policy written there
 * would silently govern everyone; it is an error instead.
 */
function scopeOf(sp: SourcePolicy, report: (d: Diagnostic) => void): PolicyScope | undefined {
  const host = sp.host
  if (host === undefined) return undefined
  if (host.kind === 'Agent') return { kind: 'agent', name: host.name }
  if (host.kind === 'Channel') return { kind: 'channel', name: host.name }
  const where = host.kind.toLowerCase()
  report(diagnostic(CHECK.unscopedPolicy, 'error', `policy \`${sp.policy.name}\` is inside ${where} \`${host.name}\`, which does not say whose requests it governs`, sp.policy.span, {
    help: 'move it to the top level (it applies to every request), into an `agent` (it governs that agent) or into a `channel` (it governs messages on that channel)',
  }))
  return undefined
}

function checkRule(sp: SourcePolicy, rule: Rule, index: number, options: CheckOptions, types: TypeChecker, report: (d: Diagnostic) => void): CheckedRule {
  const kind = rule.ruleKind
  const deep = findTooDeep(rule, options.limits.maxDepth + 2)
  if (deep) report(diagnostic(CHECK.tooDeep, 'error', `expression nests deeper than ${options.limits.maxDepth} levels`, deep, { help: 'split the expression into several rules' }))
  let patterns: ActionPattern[] = []
  let scope: ActionPattern[] | undefined
  const requires: RequireItem[] = []
  const audits: AuditItem[] = []
  const binders = new Set<string>()
  if (kind === 'allow' || kind === 'deny') {
    patterns = patternsOf(rule.target, report)
    if (rule.scope) report(diagnostic(CHECK.scopeOnAllowDeny, 'error', `\`for\` scopes apply to require and audit rules, not ${kind}`, rule.scope.span, { help: `put the action pattern in the ${kind} target` }))
  } else {
    if (rule.scope) scope = patternsOf(rule.scope, report)
    if (kind === 'require') classifyRequire(rule.target, requires, report)
    else classifyAudit(rule.target, audits)
  }
  for (const p of [...patterns, ...(scope ?? [])]) if (p.kind === 'call') for (const a of p.args) if (a.kind === 'bind') binders.add(a.name)
  const modifiers: string[] = []
  for (const m of rule.modifiers ?? []) {
    if (m.kind === 'Ident') modifiers.push(m.name)
    else if (m.kind === 'String') modifiers.push(m.value)
    else report(diagnostic(CHECK.badModifier, 'error', 'a modifier is a name such as `digital_signature`', m.span))
  }
  // Without `for`, a require/audit rule may read the binders of its policy's allow/deny targets.
  if (kind === 'require' || kind === 'audit') {
    for (const r of sp.policy.rules) {
      if (r.ruleKind !== 'allow' && r.ruleKind !== 'deny') continue
      const ps = toPatterns(r.target)
      if ('patterns' in ps) for (const p of ps.patterns) if (p.kind === 'call') for (const a of p.args) if (a.kind === 'bind') binders.add(a.name)
    }
  }
  for (const item of requires) if (item.kind === 'precondition') types.checkBoolean(item.expr, binders)
  for (const item of requires) if (item.kind === 'obligation' && item.value) types.check(item.value, binders)
  for (const item of audits) if (item.value) types.check(item.value, binders)
  if (rule.guard) {
    types.checkBoolean(rule.guard, binders)
    if (rule.guard.kind === 'Bool' && !rule.guard.value) report(diagnostic(CHECK.neverFires, 'warning', 'this rule can never fire: its guard is `false`', rule.guard.span))
  }
  const ref = { policy: sp.policy.name, rule: index, kind, span: rule.span, ...(sp.file === undefined ? {} : { source: sp.file }) }
  const source = flat(`${kind}: ${printExpr(rule.target)}${rule.scope ? ` for ${printExpr(rule.scope)}` : ''}${rule.guard ? ` if ${printExpr(rule.guard)}` : ''}`)
  const checked: CheckedRule = { ref, kind, patterns, requires, audits, modifiers, source, ...(scope ? { scope } : {}), ...(rule.guard ? { guard: rule.guard } : {}) }
  return checked
}

/**
 * A flat copy of a string built from many pieces. The printer builds a rule's source text by
 * concatenation, which V8 keeps as a tree of the pieces: measured at 10,000 rules, those trees
 * were 8.6 MB of the engine's heap. Kept for the life of the set, so flattened once here.
 */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string
}

function patternsOf(e: Expr, report: (d: Diagnostic) => void): ActionPattern[] {
  const r = toPatterns(e)
  if ('patterns' in r) {
    reportDuplicateBinders(e, report)
    return r.patterns
  }
  report(diagnostic(CHECK.notAPattern, 'error', `\`${short(printExpr(r.bad))}\` is not an action pattern`, r.bad.span, {
    help: 'a target is an action name (`read`), a string (`"tool_call::*"`), `any`, a list `[a, b]`, or `verb(arg, …)` with names, `_` or strings as arguments; put conditions in `if`',
  }))
  // Stryker disable next-line ArrayDeclaration: returned only after an error, and a set with an error is never built
  return []
}

/**
 * `copy(x, x)` could mean "both arguments are equal" or either one of them; the evaluators would
 * each pick one, so the pattern is rejected rather than given a meaning nobody chose.
 */
function reportDuplicateBinders(e: Expr, report: (d: Diagnostic) => void): void {
  if (e.kind === 'Array') {
    for (const el of e.elements) reportDuplicateBinders(el, report)
    return
  }
  if (e.kind !== 'Call') return
  const seen = new Set<string>()
  for (const a of e.args) {
    const v = a.value
    if (v.kind !== 'Ident' || v.name === 'any') continue
    if (seen.has(v.name)) report(diagnostic(CHECK.duplicateBinder, 'error', `\`${v.name}\` is bound twice in this pattern`, v.span, { help: 'bind each argument under its own name and compare them in the guard: `copy(a, b) if a == b`' }))
    seen.add(v.name)
  }
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s
}

/** SEMANTICS.md §3: preconditions, approvals and obligations. */
function classifyRequire(e: Expr, out: RequireItem[], report: (d: Diagnostic) => void): void {
  switch (e.kind) {
    case 'Array':
      for (const el of e.elements) classifyRequire(el, out, report)
      return
    case 'Ident':
      if (e.name.endsWith('_approval') && e.name.length > '_approval'.length) out.push({ kind: 'approval', approver: e.name.slice(0, -'_approval'.length) })
      else out.push({ kind: 'obligation', name: e.name })
      return
    case 'String':
      out.push({ kind: 'obligation', name: e.value })
      return
    case 'Assign':
      out.push({ kind: 'obligation', name: e.name, value: e.value })
      return
    case 'Record':
      for (const f of e.fields) out.push({ kind: 'obligation', name: f.key, value: f.value })
      return
    case 'Call':
      if (e.callee.kind === 'Ident' && e.callee.name === 'approval') {
        const arg = e.args[0]?.value
        // Stryker disable next-line OptionalChaining: `e.args.length === 1` is tested first, so `arg` is defined wherever `arg.kind` is read
        if (e.args.length === 1 && arg?.kind === 'String') out.push({ kind: 'approval', approver: arg.value })
        else report(diagnostic(CHECK.badApproval, 'error', '`approval(…)` takes one approver name as a string', e.span, { help: 'write `approval("supervisor")`' }))
        return
      }
      out.push({ kind: 'precondition', expr: e, source: printExpr(e) })
      return
    default:
      out.push({ kind: 'precondition', expr: e, source: printExpr(e) })
  }
}

function classifyAudit(e: Expr, out: AuditItem[]): void {
  switch (e.kind) {
    case 'Array':
      for (const el of e.elements) classifyAudit(el, out)
      return
    case 'Ident':
      out.push({ name: e.name })
      return
    case 'String':
      out.push({ name: e.value })
      return
    case 'Assign':
      out.push({ name: e.name, value: e.value })
      return
    default:
      out.push({ name: 'audit', value: e })
  }
}

export type { Span }
