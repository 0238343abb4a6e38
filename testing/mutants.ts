/**
 * Mutants of a checked policy set, one edit each, for `symbi-policy test --mutate`: the changes
 * a reviewer fears in a rule — dropped, negated, a conjunct or disjunct lost, a comparison's
 * boundary moved, a ladder rung off by one, an action pattern widened or narrowed, a deny turned
 * into an allow, a precondition demoted to an obligation, an approval or obligation removed.
 *
 * Mutants are built on the checked set, not on source text, so they need no parse or check and
 * every other rule keeps its index (a test's `determinedBy` stays meaningful). A mutated rule
 * keeps its source text, so deny reasons read as before and only behaviour can kill a mutant.
 */
import type { ActionPattern, CheckedPolicy, CheckedRule, CheckedSet, RequireItem } from '../compiler/checked.js'
import type { Expr } from '../grammar/ir.js'
import { printExpr } from '../grammar/print-expr.js'
import type { DeterminingRule } from '../stdlib/decision.js'
import type { Ladders } from '../stdlib/ladders.js'
import { classificationPolicyName } from '../compiler/classification.js'
import { mutateExpr, type MutationOperator } from './mutate-expr.js'

export type { MutationOperator }

/** One mutant: the set with one rule changed (or removed). */
export interface Mutant {
  /** The rule it changes. */
  readonly rule: DeterminingRule
  readonly operator: MutationOperator
  /** What changed, in source form (`a >= b → a > b`). */
  readonly change: string
  /** The mutated set. */
  readonly set: CheckedSet
}

/** Every mutant of `set`. `actions` are known action names, used to narrow globs by a segment. */
export function generateMutants(set: CheckedSet, ladders: Ladders, actions: readonly string[]): Mutant[] {
  const out: Mutant[] = []
  set.policies.forEach((policy, p) => {
    const generated = policy.name.startsWith(classificationPolicyName(''))
    policy.rules.forEach((rule, r) => {
      // A channel's data_classification block is compiled into rules (compiler/classification.ts):
      // its entries are mutated as the user wrote them (removed, or deny turned into allow); the
      // verbs, the guard and the final "unlisted classification" rule are the engine's, not theirs.
      if (generated && r === policy.rules.length - 1) return
      const mutations = mutateRule(rule, ladders, actions).filter((m) => !generated || ENTRY_OPERATORS.has(m.operator))
      for (const m of mutations) {
        out.push({ rule: rule.ref, operator: m.operator, change: m.change, set: replaceRule(set, p, r, m.rule) })
      }
    })
  })
  return out
}

const ENTRY_OPERATORS: ReadonlySet<MutationOperator> = new Set<MutationOperator>(['drop-rule', 'deny-to-allow', 'drop-obligation'])

interface RuleMutation {
  readonly operator: MutationOperator
  readonly change: string
  /** The replacement, or undefined to drop the rule. */
  readonly rule: CheckedRule | undefined
}

function mutateRule(rule: CheckedRule, ladders: Ladders, actions: readonly string[]): RuleMutation[] {
  const out: RuleMutation[] = [{ operator: 'drop-rule', change: `${rule.source} → (removed)`, rule: undefined }]
  if (rule.guard !== undefined) {
    const guard = rule.guard
    const negated: Expr = { kind: 'Unary', op: '!', operand: guard, span: guard.span }
    out.push({ operator: 'negate-guard', change: `if ${printExpr(guard)} → if ${printExpr(negated)}`, rule: { ...rule, guard: negated } })
    for (const m of mutateExpr(guard, ladders)) out.push({ operator: m.operator, change: m.change, rule: { ...rule, guard: m.expr } })
  }
  if (rule.kind === 'deny') {
    out.push({ operator: 'deny-to-allow', change: 'deny → allow', rule: { ...rule, kind: 'allow', ref: { ...rule.ref, kind: 'allow' } } })
  }
  if (rule.kind === 'allow' || rule.kind === 'deny') {
    for (const m of mutatePatterns(rule.patterns, actions)) out.push({ ...m, rule: { ...rule, patterns: m.patterns } })
  } else if (rule.scope !== undefined) {
    for (const m of mutatePatterns(rule.scope, actions)) out.push({ ...m, change: `for ${m.change}`, rule: { ...rule, scope: m.patterns } })
  }
  rule.requires.forEach((item, i) => {
    const replace = (x: RequireItem | undefined): readonly RequireItem[] => (x === undefined ? rule.requires.filter((_, j) => j !== i) : rule.requires.map((y, j) => (j === i ? x : y)))
    if (item.kind === 'precondition') {
      out.push({ operator: 'precondition-to-obligation', change: `${item.source} → obligation \`${item.source}\``, rule: { ...rule, requires: replace({ kind: 'obligation', name: item.source }) } })
      for (const m of mutateExpr(item.expr, ladders)) out.push({ operator: m.operator, change: m.change, rule: { ...rule, requires: replace({ ...item, expr: m.expr }) } })
    } else if (item.kind === 'approval') {
      out.push({ operator: 'remove-approval', change: `approval of ${item.approver} → (removed)`, rule: { ...rule, requires: replace(undefined) } })
    } else {
      out.push({ operator: 'drop-obligation', change: `obligation ${item.name} → (removed)`, rule: { ...rule, requires: replace(undefined) } })
    }
  })
  return out
}

/** A rule's patterns with one of them changed, or one of several removed. */
function mutatePatterns(patterns: readonly ActionPattern[], actions: readonly string[]): { operator: MutationOperator; change: string; patterns: readonly ActionPattern[] }[] {
  const out: { operator: MutationOperator; change: string; patterns: readonly ActionPattern[] }[] = []
  patterns.forEach((p, i) => {
    const swap = (x: ActionPattern): readonly ActionPattern[] => patterns.map((y, j) => (j === i ? x : y))
    if (patterns.length > 1) out.push({ operator: 'narrow-pattern', change: `${printPattern(p)} → (removed)`, patterns: patterns.filter((_, j) => j !== i) })
    for (const w of widen(p)) out.push({ operator: 'widen-pattern', change: `${printPattern(p)} → ${printPattern(w)}`, patterns: swap(w) })
    for (const n of narrow(p, actions)) out.push({ operator: 'narrow-pattern', change: `${printPattern(p)} → ${printPattern(n)}`, patterns: swap(n) })
  })
  return out
}

const ANY: ActionPattern = { kind: 'any' }

/** `read` → `_`; a glob loses its last literal segment (`a::b::*` → `a::*`, `a::*` → `*`); a literal argument becomes `_`. */
function widen(p: ActionPattern): ActionPattern[] {
  switch (p.kind) {
    case 'any':
      return []
    case 'name':
      return [ANY]
    case 'glob': {
      const wider = dropSegment(p.pattern)
      return wider === undefined ? [] : [wider === '*' ? ANY : { kind: 'glob', pattern: wider }]
    }
    case 'call': {
      const out: ActionPattern[] = widen(p.verb).map((verb) => ({ ...p, verb }))
      p.args.forEach((a, i) => {
        if (a.kind === 'literal') out.push({ ...p, args: p.args.map((b, j) => (j === i ? { kind: 'any' } : b)) })
      })
      return out
    }
  }
}

/** A trailing-`*` glob gains one segment, taken from a known action it matches (`a::*` → `a::b::*`). */
function narrow(p: ActionPattern, actions: readonly string[]): ActionPattern[] {
  if (p.kind === 'call') return narrow(p.verb, actions).map((verb) => ({ ...p, verb }))
  if (p.kind !== 'glob' || !p.pattern.endsWith('*') || p.pattern.indexOf('*') !== p.pattern.length - 1) return []
  const prefix = p.pattern.slice(0, -1)
  const known = actions.filter((a) => a.startsWith(prefix) && a.length > prefix.length).sort()
  const first = known[0]
  if (first === undefined) return []
  const rest = first.slice(prefix.length)
  const sep = SEPARATOR.exec(rest)
  return [sep === null ? { kind: 'name', name: first } : { kind: 'glob', pattern: `${prefix}${rest.slice(0, sep.index + sep[0].length)}*` }]
}

/** Segment separators of action names: `tool_call::fs`, `db.read`, `files/tmp`. */
const SEPARATOR = /::|[.:/]/

function dropSegment(pattern: string): string | undefined {
  if (!pattern.endsWith('*') || pattern.indexOf('*') !== pattern.length - 1 || pattern === '*') return undefined
  let prefix = pattern.slice(0, -1)
  // Strip the separator the prefix ends with, then the segment before it.
  const trailing = /(::|[.:/])$/.exec(prefix)
  if (trailing !== null) prefix = prefix.slice(0, trailing.index)
  const double = prefix.lastIndexOf('::')
  const cut = Math.max(double < 0 ? 0 : double + 2, prefix.lastIndexOf('.') + 1, prefix.lastIndexOf('/') + 1, lastSingleColon(prefix) + 1)
  return `${prefix.slice(0, cut)}*`
}

function lastSingleColon(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (s[i] === ':' && s[i - 1] !== ':' && s[i + 1] !== ':') return i
  return -1
}

/** An action pattern in source form. */
export function printPattern(p: ActionPattern): string {
  switch (p.kind) {
    case 'any':
      return '_'
    case 'name':
      return p.name
    case 'glob':
      return JSON.stringify(p.pattern)
    case 'call':
      return `${printPattern(p.verb)}(${p.args.map((a) => (a.kind === 'any' ? '_' : a.kind === 'bind' ? a.name : JSON.stringify(a.value))).join(', ')})`
  }
}

function replaceRule(set: CheckedSet, p: number, r: number, rule: CheckedRule | undefined): CheckedSet {
  const policy = set.policies[p] as CheckedPolicy
  const rules = rule === undefined ? policy.rules.filter((_, j) => j !== r) : policy.rules.map((x, j) => (j === r ? rule : x))
  // Require/audit rules without `for` apply where the policy's allow/deny targets do.
  const targets = rules.filter((x) => x.kind === 'allow' || x.kind === 'deny').map((x) => ({ rule: x.ref.rule, patterns: x.patterns }))
  const mutated: CheckedPolicy = { ...policy, rules, targets }
  return { ...set, policies: set.policies.map((x, j) => (j === p ? mutated : x)) }
}
