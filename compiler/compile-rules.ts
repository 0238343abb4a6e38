/**
 * Checked rules → compiled rules: pattern matchers that fill binder slots, compiled guards and
 * requirement items, the verbs a rule is indexed under, and the equality key (OPA-style rule
 * indexing) of guards that start with `path == literal`.
 */
import type { Expr } from '../grammar/ir.js'
import type { Builtin } from '../stdlib/builtin-types.js'
import type { Ladders } from '../stdlib/ladders.js'
import { isRecord, type Value } from '../stdlib/value.js'
import type { ActionPattern, ArgPattern, CheckedPolicy, CheckedRule, PolicyScope } from './checked.js'
import { compileExpr, type Fn, type Scope } from './compile-expr.js'
import { argAt, globMatcher, inScope, missingArgumentOf } from './patterns.js'
import { asciiFold, type NormalizedRequest } from './request.js'

/** Fills binder slots for a matching request, or returns undefined. */
export type Matcher = (req: NormalizedRequest) => Value[] | Missing | undefined

/**
 * A pattern whose verb matched but which names an argument the action lacks (see
 * `missingArgumentOf` in patterns.ts). Only folding (deny, require, audit) matchers return it;
 * deny and require rules fail closed on it, audit rules treat it as not applicable.
 */
export class Missing {
  constructor(readonly index: number) {}
}

/** Where the root of an indexed path comes from. */
export type PathRoot = { readonly kind: 'arg'; readonly index: number } | { readonly kind: 'name'; readonly name: string }

/** A guard that starts with `root.a.b == literal`. */
export interface EqualityKey {
  /** Identifies rules that can share one lookup: same root and path. */
  readonly block: string
  readonly root: PathRoot
  readonly path: readonly string[]
  /** The literal. */
  readonly value: string | number | boolean
}

/** A compiled requirement element. */
export type CompiledItem =
  | { readonly kind: 'precondition'; readonly fn: Fn; readonly source: string }
  | { readonly kind: 'approval'; readonly approver: string }
  | { readonly kind: 'obligation'; readonly name: string; readonly fn?: Fn; readonly constant?: true }
  | { readonly kind: 'audit'; readonly name: string; readonly fn?: Fn; readonly constant?: true }

/** A rule ready for evaluation. */
export interface CompiledRule {
  readonly checked: CheckedRule
  /** Position in the whole set; evaluation follows it. */
  readonly order: number
  /** Matches the rule's own patterns (allow/deny) or its applicability (require/audit). */
  readonly match: Matcher
  readonly guard?: Fn
  /** The rule's literals, read by its (possibly shared) closures. */
  readonly k: readonly Value[]
  readonly items: readonly CompiledItem[]
  /** Verbs it is indexed under (ASCII-folded for all but allow rules); `undefined` means it may match any action. */
  readonly verbs: readonly string[] | undefined
  readonly equality?: EqualityKey
  /** Binder slots of the matcher's result (names bound by some patterns only). */
  readonly binders: ReadonlyMap<string, number>
  /** Binders every pattern binds at one argument position: read from the request (see `fixedBindersOf`). */
  readonly fixedBinders: ReadonlyMap<string, number>
  /** Whether its policy is embedded in an agent or channel (its matcher checks that scope first). */
  readonly scoped: boolean
}

const NO_SLOTS: Value[] = []
Object.freeze(NO_SLOTS)

/** The verb test of a pattern; `fold` as `matchesVerb` in patterns.ts (deny and require/audit fold ASCII case). */
function verbTest(p: ActionPattern, fold: boolean): (req: NormalizedRequest) => boolean {
  switch (p.kind) {
    case 'any':
      return () => true
    case 'name': {
      if (fold) {
        const name = asciiFold(p.name)
        // Stryker disable next-line EqualityOperator,LogicalOperator: `size > 0` only skips a lookup in an empty set, which answers false anyway
        return (req) => req.foldedName === name || (req.foldedGroups.size > 0 && req.foldedGroups.has(name))
      }
      const name = p.name
      // Stryker disable next-line EqualityOperator: `size > 0` only skips a lookup in an empty set, which answers false anyway
      return (req) => req.actionName === name || (req.groups.size > 0 && req.groups.has(name))
    }
    case 'glob': {
      if (fold) {
        const m = globMatcher(asciiFold(p.pattern))
        return (req) => m(req.foldedName)
      }
      const m = globMatcher(p.pattern)
      return (req) => m(req.actionName)
    }
    case 'call':
      return verbTest(p.verb, fold)
  }
}

function compilePattern(p: ActionPattern, slots: ReadonlyMap<string, number>, fold: boolean): Matcher {
  const verb = verbTest(p, fold)
  if (p.kind !== 'call' || p.args.length === 0) return (req) => (verb(req) ? NO_SLOTS : undefined)
  const full = compileCallPattern(p, slots, verb)
  if (!fold) return full
  return (req) => {
    const r = full(req)
    if (r !== undefined) return r
    const i = missingArgumentOf(p, req, true)
    return i === undefined ? undefined : new Missing(i)
  }
}

function compileCallPattern(p: Extract<ActionPattern, { kind: 'call' }>, slots: ReadonlyMap<string, number>, verb: (req: NormalizedRequest) => boolean): Matcher {
  const args = p.args
  const width = slots.size
  const needsSlots = args.some((a) => a.kind === 'bind' && slots.has(a.name))
  return (req) => {
    if (!verb(req)) return undefined
    // Stryker disable next-line ArrayDeclaration: the width only presizes the array; slots are assigned by index either way
    const out: Value[] = needsSlots ? new Array(width) : NO_SLOTS
    for (let i = 0; i < args.length; i++) {
      const ap = args[i] as ArgPattern
      const v = argAt(req, i)
      if (v === undefined) return undefined
      if (ap.kind === 'bind') {
        const slot = slots.get(ap.name)
        if (slot !== undefined) out[slot] = v
      } else if (ap.kind === 'literal' && !(v === ap.value || (isRecord(v) && v['id'] === ap.value))) return undefined
    }
    return out
  }
}

/**
 * Binders bound by every pattern at one argument position. Their value is `argAt(req, i)`
 * whenever the rule matched, so guards read it from the request and no slot array is built.
 */
function fixedBindersOf(ps: readonly ActionPattern[]): Map<string, number> {
  const names = new Set<string>()
  for (const p of ps) if (p.kind === 'call') for (const a of p.args) if (a.kind === 'bind') names.add(a.name)
  const out = new Map<string, number>()
  for (const name of names) {
    let pos: number | undefined
    let ok = ps.length > 0
    for (const p of ps) {
      const i = p.kind === 'call' ? p.args.findIndex((a) => a.kind === 'bind' && a.name === name) : -1
      if (i < 0 || (pos !== undefined && pos !== i)) ok = false
      pos = i
    }
    if (ok && pos !== undefined) out.set(name, pos)
  }
  return out
}

function compilePatterns(ps: readonly ActionPattern[], slots: ReadonlyMap<string, number>, fold: boolean): Matcher {
  return firstMatch(ps.map((p) => compilePattern(p, slots, fold)))
}

/** The first matcher that matches; else the first missing argument any of them reported. */
function firstMatch(ms: readonly Matcher[]): Matcher {
  if (ms.length === 1) return ms[0] as Matcher
  return (req) => {
    let missing: Missing | undefined
    for (const m of ms) {
      const r = m(req)
      if (r === undefined) continue
      if (!(r instanceof Missing)) return r
      missing ??= r
    }
    return missing
  }
}

function bindersOf(ps: readonly ActionPattern[], into: Map<string, number>, fixed: ReadonlyMap<string, number> = new Map()): void {
  for (const p of ps) if (p.kind === 'call') for (const a of p.args) if (a.kind === 'bind' && !into.has(a.name) && !fixed.has(a.name)) into.set(a.name, into.size)
}

/** Names a rule is indexed under (folded for folding rules, which are looked up by folded names). */
function verbsOf(ps: readonly ActionPattern[], fold: boolean): string[] | undefined {
  const out = new Set<string>()
  for (const p of ps) {
    const v = p.kind === 'call' ? p.verb : p
    if (v.kind !== 'name') return undefined
    out.add(fold ? asciiFold(v.name) : v.name)
  }
  return [...out]
}

/** Puts a policy's scope (SEMANTICS.md §6) in front of a rule's matcher. */
function scoped(match: Matcher, scope: PolicyScope | undefined, fold: boolean): Matcher {
  if (scope === undefined) return match
  return (req) => (inScope(scope, req, fold) ? match(req) : undefined)
}

/** The equality key of `root.path == literal` as the first conjunct of a guard. */
function equalityOf(rule: CheckedRule, binders: ReadonlySet<string>): EqualityKey | undefined {
  let first: Expr | undefined = rule.guard
  while (first?.kind === 'Binary' && first.op === '&&') first = first.left
  if (first?.kind !== 'Binary' || first.op !== '==') return undefined
  const lit = first.right
  if (lit.kind !== 'String' && lit.kind !== 'Number' && lit.kind !== 'Bool') return undefined
  const path: string[] = []
  let cur: Expr = first.left
  while (cur.kind === 'Member') {
    path.unshift(cur.property)
    cur = cur.object
  }
  if (cur.kind !== 'Ident') return undefined
  let root: PathRoot
  if (binders.has(cur.name)) {
    // Indexable only when every pattern binds the name at one argument position.
    const positions = new Set<number>()
    for (const p of rule.patterns) {
      if (p.kind !== 'call') return undefined
      const i = p.args.findIndex((a) => a.kind === 'bind' && a.name === cur.name)
      if (i < 0) return undefined
      positions.add(i)
    }
    if (positions.size !== 1) return undefined
    root = { kind: 'arg', index: [...positions][0] as number }
  } else root = { kind: 'name', name: cur.name }
  return { block: `${root.kind === 'arg' ? `#${root.index}` : `@${root.name}`}.${path.join('.')}`, root, path, value: lit.value }
}

/**
 * What a compiled guard depends on besides its literals: the IR with spans, raw text and literal
 * values removed, and how the rule's binders are resolved.
 */
function shapeKey(guard: Expr, slots: ReadonlyMap<string, number>, fixed: ReadonlyMap<string, number>): string {
  // Only literal payloads are dropped: `value` is also the name of sub-expressions (arguments,
  // record fields), which stay part of the shape.
  // Stryker disable next-line ConditionalExpression,StringLiteral: keeping a literal payload in the key only shares fewer closures (each literal is read from the rule's constants either way)
  const ir = JSON.stringify(guard, (key, v: unknown) => (key === 'span' || key === 'raw' || ((key === 'value' || key === 'amount') && (typeof v !== 'object' || v === null)) ? undefined : v))
  return `${ir}|${JSON.stringify([...slots])}|${JSON.stringify([...fixed])}`
}

/**
 * Compiles every rule of a checked set, in order. `reuse` holds compiled rules of an earlier
 * compile of the same environment (mutation testing recompiles a set with one rule changed): a
 * rule whose checked object is the same is reused when its applicability is its own (allow,
 * deny, or a `for` scope) and its policy's scope is unchanged; for-less require/audit rules
 * depend on their policy's targets and are always recompiled.
 */
export function compileRules(policies: readonly CheckedPolicy[], functions: ReadonlyMap<string, Builtin>, ladders: Ladders, reuse?: ReadonlyMap<CheckedRule, { readonly rule: CompiledRule; readonly scope: CheckedPolicy['scope'] }>): CompiledRule[] {
  const out: CompiledRule[] = []
  const shapes = new Map<string, Fn>()
  let order = 0
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const earlier = reuse?.get(rule)
      if (earlier !== undefined && earlier.scope === policy.scope && (rule.kind === 'allow' || rule.kind === 'deny' || rule.scope !== undefined)) {
        out.push({ ...earlier.rule, order: order++ })
        continue
      }
      const slots = new Map<string, number>()
      let fixed = new Map<string, number>()
      let match: Matcher
      let verbs: string[] | undefined
      // Only allow rules match exactly; deny, require and audit fold ASCII case (SEMANTICS.md §7).
      const fold = rule.kind !== 'allow'
      if (rule.kind === 'allow' || rule.kind === 'deny') {
        fixed = fixedBindersOf(rule.patterns)
        bindersOf(rule.patterns, slots, fixed)
        match = compilePatterns(rule.patterns, slots, fold)
        verbs = verbsOf(rule.patterns, fold)
      } else if (rule.scope !== undefined) {
        fixed = fixedBindersOf(rule.scope)
        bindersOf(rule.scope, slots, fixed)
        match = compilePatterns(rule.scope, slots, fold)
        verbs = verbsOf(rule.scope, fold)
      } else {
        // Applicability through the policy's allow/deny targets (SEMANTICS.md §3).
        const targets = policy.targets.map((t) => t.patterns)
        for (const t of targets) bindersOf(t, slots)
        if (targets.length === 0) {
          match = () => NO_SLOTS
          verbs = undefined
        } else {
          match = firstMatch(targets.map((t) => compilePatterns(t, slots, fold)))
          const all = targets.map((t) => verbsOf(t, fold))
          verbs = all.some((v) => v === undefined) ? undefined : [...new Set(all.flat() as string[])]
        }
      }
      const constants: Value[] = []
      const scope: Scope = { binders: slots, fixedBinders: fixed, frames: [], functions, ladders, constants }
      // The guard compiles first so that its literals take constant slots 0…n-1 in every rule of
      // its shape; a rule whose guard has the shape of an earlier one reuses that closure tree.
      let guard: Fn | undefined
      if (rule.guard) {
        const fresh = compileExpr(rule.guard, scope)
        const key = shapeKey(rule.guard, slots, fixed)
        guard = shapes.get(key)
        if (guard === undefined) shapes.set(key, (guard = fresh))
      }
      const items: CompiledItem[] = []
      for (const r of rule.requires) {
        if (r.kind === 'precondition') items.push({ kind: 'precondition', fn: compileExpr(r.expr, scope), source: r.source })
        else if (r.kind === 'approval') items.push(r)
        else items.push(r.value === undefined ? { kind: 'obligation', name: r.name } : { kind: 'obligation', name: r.name, fn: compileExpr(r.value, scope), ...constantMark(r.value) })
      }
      for (const a of rule.audits) items.push(a.value === undefined ? { kind: 'audit', name: a.name } : { kind: 'audit', name: a.name, fn: compileExpr(a.value, scope), ...constantMark(a.value) })
      const compiled: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = { checked: rule, order: order++, match: scoped(match, policy.scope, fold), items, verbs, k: constants, binders: slots, fixedBinders: fixed, scoped: policy.scope !== undefined }
      if (guard) compiled.guard = guard
      if (rule.kind === 'allow' || rule.kind === 'deny') {
        const eq = equalityOf(rule, new Set([...slots.keys(), ...fixed.keys()]))
        if (eq) compiled.equality = eq
      }
      out.push(compiled)
    }
  }
  return out
}

/** Marks a condition value that is a literal: the same on every request, so decisions carrying it can be shared. */
function constantMark(e: Expr): { constant?: true } {
  // Stryker disable next-line StringLiteral: a literal not marked only keeps its decisions from being shared (evaluator.ts), which are built the same
  return e.kind === 'String' || e.kind === 'Number' || e.kind === 'Bool' ? { constant: true } : {}
}

/** Freezes a decision and everything in it, so shared decisions cannot be changed by a caller. */
export function deepFreeze<T>(v: T): T {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: primitives are already frozen (Object.isFrozen is true for them), so the type tests only save a call
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}
