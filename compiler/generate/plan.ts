/**
 * A plan function: the whole decision for one action name as one generated function over the
 * raw request — the request checks of `normalizeCommon`, the plan's deny rules, then its allow
 * rules, each verb test already decided (the action is known when the function is made) — that
 * returns the shared frozen decision itself. No normalised request is built, no chunk is called,
 * nothing is allocated.
 *
 * It decides only what it can decide alone, and returns undefined for everything else: a request
 * that is not of the common shape, a read that is not an own scalar or plain record, any error
 * or non-boolean guard (`$.bail` and every helper's error end the attempt the same way), a deny
 * whose verb matched but whose arguments did not (its matcher may fail closed on a missing
 * argument). The evaluator then takes its full path, which gives the decision with its errors.
 * So a plan function never gives a decision the full path would not: it evaluates the same
 * rules in the same order with the same reads, and any place where they could differ ends it.
 *
 * An equality block of the plan becomes a lookup by the value at its path: a uniform block (one
 * rule per literal, one shape) runs one inline copy of its rules' code with the literal's
 * constants; any other calls the sub-plan function of the rules with that literal (made on first
 * use, one source for rules that differ only in literals). Made only for plans with no require
 * or audit rules, in sets that never read the clock; a rule whose match or guard needs the
 * normalised request (a glob or scope, a binder some patterns do not bind, a call, a lambda,
 * `action`) makes none (`NotFast`).
 */
import type { Expr } from '../../grammar/ir.js'
import type { CallContext } from '../../stdlib/builtin-types.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import type { CompiledRule } from '../compile-rules.js'
import { asciiFold, type ActionInfo } from '../request.js'
import { fromSource, inlineMatch, type GenerateEnv } from './chunk.js'
import { NotFast, ReadSlots, valueSource } from './expr.js'

/** `fn(request, c, K, D, B)`: `D[i]` is step i's decision (a single rule's), the last entry the decision when no rule allows; `B[j]` serves the j-th block step. */
export type PlanFn = (request: object, c: CallContext, K: readonly (readonly unknown[])[], D: readonly (Decision | undefined)[], B: readonly BlockDispatch[]) => Decision | undefined

/** Most steps (or rules) in one generated function, and its largest source (V8 does not optimise very large functions). */
const MAX_RULES = 64
const MAX_SOURCE = 24_000

/**
 * `normalizeCommon` (compiler/request.ts) for a request whose action is a name the evaluator
 * knows: the same checks, as code over `q`; the caller has seen that `q` is an object (not
 * null) and `q.action` such a name.
 */
const PROLOGUE = [
  "if (Array.isArray(q) || typeof q.$duration === 'number') return undefined",
  'const P = q.principal',
  "if (typeof P !== 'object' || P === null || Array.isArray(P) || typeof P.$duration === 'number' || typeof P.id !== 'string') return undefined",
  'const R = q.resource',
  'if (R !== undefined) {',
  "  if (typeof R !== 'object' || R === null || Array.isArray(R) || typeof R.$duration === 'number') return undefined",
  '  const id = R.id',
  "  if (id !== undefined && typeof id !== 'string') return undefined",
  '}',
  'let C = q.context',
  'if (C === undefined || C === null) C = $.EMPTY_CONTEXT',
  "else if (typeof C !== 'object' || Array.isArray(C) || typeof C.$duration === 'number' || C.approvals !== undefined || C.time !== undefined || C.now !== undefined) return undefined",
  // Not a check of normalizeCommon's: names are read from C without `Object.hasOwn` (expr.ts `fastName`).
  'const Cp = $.proto(C)',
  'if (Cp !== $.OP && Cp !== null) return undefined',
].join('\n')

/** A step of a plan as plan functions take it: one rule, or an equality block (evaluator.ts `Block`). */
export type PlanStep = { readonly rule: CompiledRule } | { readonly block: { readonly rules: readonly CompiledRule[]; readonly arity: number } }

/**
 * What a block step of a plan function calls at run time (`B[j].sub(v)`, or `B[j].one(v)` for a
 * uniform block): what serves the block's rules whose literal is `v` (a value read from the
 * indexed path), or undefined when no rule has it. Throws (and the plan function bails) when
 * that cannot be made.
 */
export interface BlockDispatch {
  sub(v: unknown): SubPlan | undefined
  /** For a uniform block: the literal's rule's constants and decision. */
  one(v: unknown): { readonly k: readonly unknown[]; readonly d: Decision } | undefined
  /** What `one` has made, by literal (read by the plan function first; null for a literal `one` refused). */
  readonly ones: ReadonlyMap<unknown, { readonly k: readonly unknown[]; readonly d: Decision } | null>
}

/** `fn(P, R, C, c, K, D)`: `D[i]` when rule i decides, -1 when none does, undefined to bail. */
export type SubFn = (P: unknown, R: unknown, C: unknown, c: CallContext, K: readonly (readonly unknown[])[], D: readonly Decision[]) => Decision | -1 | undefined

/** The rules of one literal of a block as one generated function, with its constants and decisions. */
export interface SubPlan {
  readonly fn: SubFn
  readonly K: readonly (readonly unknown[])[]
  readonly D: readonly Decision[]
}

/**
 * The rule's code in a plan or sub-plan function (its constants in `k`); undefined when its verb
 * cannot match. `to` says where the code finds its constants and what it returns when the rule
 * decides: `K[i]` and `D[i]` unless given.
 */
function ruleCode(rule: CompiledRule, i: number, info: ActionInfo, env: GenerateEnv, reads: ReadSlots, k: unknown[], to?: { readonly k: string; readonly decision: string; readonly indexed: boolean }): string | undefined {
  const deny = rule.checked.kind === 'deny'
  // As compile-rules.ts `verbTest`: deny rules match folded names and groups, allow rules exact ones.
  const verb = deny ? (n: string) => info.foldedName === asciiFold(n) || info.foldedGroups.has(asciiFold(n)) : (n: string) => info.actionName === n || info.groups.has(n)
  const verbMatched = rule.checked.patterns.some((p) => {
    const v = p.kind === 'call' ? p.verb : p
    // A glob is its matcher's to decide (inlineMatch has no code for it).
    if (v.kind !== 'any' && v.kind !== 'name') throw new NotFast()
    return v.kind === 'any' || verb(v.name)
  })
  // Stryker disable next-line ConditionalExpression: the rule index puts in a plan only rules with a verb that names the action, one of its groups or any action, so this only spares code that would never run
  if (!verbMatched) return undefined
  reads.nextRule()
  const cx = { binders: rule.binders, fixedBinders: rule.fixedBinders, functions: env.functions, ladders: env.ladders, k, reads }
  const match = inlineMatch(rule, cx, verb)
  if (match === undefined) throw new NotFast()
  const decision = to?.decision ?? `D[${i}]`
  const guard = to?.indexed === true && rule.checked.guard !== undefined ? afterIndex(rule.checked.guard) : rule.checked.guard
  const lines = [`k = ${to?.k ?? `K[${i}]`}`, `if (${match}) {`]
  if (guard === undefined) lines.push(`  return ${decision}`)
  else lines.push(`  g = ${valueSource(guard, cx)}`, `  if (g === true) return ${decision}`, '  if (g !== false) $.bail()')
  // A deny whose verb matched but not its arguments: its matcher may report a missing argument.
  lines.push(deny && match !== 'true' ? '} else $.bail()' : '}')
  return lines.join('\n')
}

/**
 * A guard without its first conjunct: in a uniform block's copy that conjunct is the block's
 * `path == literal`, which the lookup has decided (the entry found is the one of the rule whose
 * literal is the value read, and a read never yields NaN, the one value a `Map` finds that `===`
 * does not). Undefined when the conjunct was the whole guard. The rest keeps its strict-boolean
 * checks: `true && b` is `b` checked, and so is `b` alone.
 */
function afterIndex(guard: Expr): Expr | undefined {
  if (guard.kind !== 'Binary' || guard.op !== '&&') return undefined
  const left = afterIndex(guard.left)
  return left === undefined ? guard.right : { ...guard, left }
}

/** A uniform block's code (`uniformShape`) and the constants of the rule it was made from. */
export interface UniformShape {
  readonly code: string
  readonly k: readonly unknown[]
}

/**
 * The source of a block's rules in a fresh function when one copy of it can serve them all: each
 * literal has one rule, and every rule has the same guard closure (compile-rules.ts shares one
 * per shape) and the same patterns, so its code differs from the others' only in its constants.
 * Undefined otherwise. The source is what `literalConstants` compares each literal's rule with.
 */
function uniformShape(rules: readonly CompiledRule[], info: ActionInfo, env: GenerateEnv): UniformShape | undefined {
  const first = rules[0] as CompiledRule
  const patterns = (r: CompiledRule): string => JSON.stringify(r.checked.patterns, (key, v: unknown) => (key === 'span' ? undefined : v))
  const shape = patterns(first)
  const literals = new Set<unknown>()
  for (const r of rules) {
    if (r.equality === undefined || literals.has(r.equality.value) || r.guard !== first.guard || r.checked.kind !== first.checked.kind || patterns(r) !== shape) return undefined
    literals.add(r.equality.value)
  }
  const k: unknown[] = []
  const code = ruleCode(first, 0, info, env, new ReadSlots(true), k, UNIFORM)
  return code === undefined ? undefined : { code, k }
}

/**
 * Where a uniform block's code finds the literal's constants and decision (`h`: what `B[j].one`
 * returned), and that its `path == literal` conjunct is decided (`afterIndex`).
 */
const UNIFORM = { k: 'h.k', decision: 'h.d', indexed: true }

/**
 * The constants of `rule` for a uniform block's code, if its code is `shape`'s (from
 * `uniformShape`); undefined when it is not, and the plan function then bails for that literal.
 * Constants the same as the shape's (`Object.is`, position by position) are the shape's own
 * array: the literal is not among them (its conjunct is decided by the lookup), so in a block
 * whose rules differ only in it every literal shares one array, read from one place.
 */
export function literalConstants(rule: CompiledRule, shape: UniformShape, info: ActionInfo, env: GenerateEnv): readonly unknown[] | undefined {
  const k: unknown[] = []
  try {
    if (ruleCode(rule, 0, info, env, new ReadSlots(true), k, UNIFORM) !== shape.code) return undefined
  } catch (e) {
    if (e instanceof NotFast) return undefined
    throw e
  }
  return k.length === shape.k.length && k.every((v, i) => Object.is(v, shape.k[i])) ? shape.k : k.slice()
}

/**
 * A block step: the value at the block's path, read as its rules' first conjunct reads it (an
 * error or an unusual value bails), selects the rules with that literal, as evaluator.ts
 * `rulesOf` selects them; a null or a container equals no literal, and no rule applies. A
 * uniform block (`uniformShape`) runs one copy of its rules' code inline, with the literal's
 * constants and decision from `B[j].one`; any other calls the literal's sub-plan function.
 */
function blockCode(block: { readonly rules: readonly CompiledRule[]; readonly arity: number }, i: number, j: number, info: ActionInfo, env: GenerateEnv, reads: ReadSlots, k: unknown[], shapes: (UniformShape | undefined)[]): string | undefined {
  const first = block.rules[0] as CompiledRule
  let e = first.checked.guard
  while (e?.kind === 'Binary' && e.op === '&&') e = e.left
  if (e?.kind !== 'Binary' || e.op !== '==') throw new NotFast()
  // A request with fewer arguments than a deny pattern of the block names evaluates all its rules
  // (evaluator.ts `blockValue`); a plan function's request has one at most, the resource.
  if (block.arity > 1) throw new NotFast()
  const shape = uniformShape(block.rules, info, env)
  shapes.push(shape)
  reads.nextRule()
  const cx = { binders: first.binders, fixedBinders: first.fixedBinders, functions: env.functions, ladders: env.ladders, k, reads }
  const lines = [`k = K[${i}]`]
  if (block.arity === 1) lines.push('if (R === undefined) $.bail()')
  const value = valueSource(e.left, cx)
  if (shape !== undefined) {
    // One copy of the rules' code, over the plan function's own read slots.
    const code = ruleCode(first, i, info, env, reads, [], UNIFORM)
    if (code === undefined) return undefined
    // The literal's entry straight from the dispatch's table; `one` makes it on a miss, and bails
    // on a literal it refused (null in the table).
    lines.push(`g = ${value}`, `h = B[${j}].ones.get(g)`, `if (h == null) h = B[${j}].one(g)`, 'if (h !== undefined) {', code, '}')
  } else lines.push(`g = B[${j}].sub(${value})`, 'if (g !== undefined) {', '  g = g.fn(P, R, C, c, g.K, g.D)', '  if (g === undefined) $.bail()', '  if (g !== -1) return g', '}')
  return lines.join('\n')
}

/**
 * A generated function over `items` (one constant array each): its reader prelude and the body
 * `wrap` makes of the items' code and the locals they use; undefined when an item cannot be
 * generated or the source is too large.
 */
function functionSource<T>(items: readonly T[], code: (item: T, i: number, reads: ReadSlots, k: unknown[]) => string | undefined, wrap: (locals: string, parts: readonly string[]) => string): { body: string; K: unknown[][] } | undefined {
  if (items.length > MAX_RULES) return undefined
  const reads = new ReadSlots(true)
  const K: unknown[][] = []
  const parts: string[] = []
  try {
    items.forEach((item, i) => {
      const k: unknown[] = []
      K.push(k)
      const c = code(item, i, reads, k)
      if (c !== undefined) parts.push(c)
    })
  } catch (e) {
    if (e instanceof NotFast) return undefined
    throw e
  }
  const locals = ['k', 'g', 'h', reads.declarations()].filter((s) => s !== '').join(', ')
  const prelude = reads.prelude()
  const body = `${prelude === '' ? '' : `${prelude}\n`}${wrap(locals, parts)}`
  // Copies of exact length: arrays grown by `push` keep spare capacity, and a block keeps one
  // sub-plan per literal in use (measured: ~700 bytes a sub-plan before, at 10,000 literals).
  return body.length > MAX_SOURCE ? undefined : { body, K: K.map((k) => k.slice()) }
}

/**
 * The source of the plan function for `info` over the plan's deny and allow steps (in the order
 * the evaluator tries them), with each step's constants; undefined when it cannot be made.
 */
export function planSource(steps: readonly PlanStep[], info: ActionInfo, env: GenerateEnv): { body: string; K: unknown[][]; shapes: (UniformShape | undefined)[] } | undefined {
  // Per block step, its uniform shape (`uniformShape`) or undefined: what its `B[j]` must serve.
  const shapes: (UniformShape | undefined)[] = []
  const src = functionSource(
    steps,
    (step, i, reads, k) => ('rule' in step ? ruleCode(step.rule, i, info, env, reads, k) : blockCode(step.block, i, shapes.length, info, env, reads, k, shapes)),
    // The prologue's reads may throw (a getter, a Proxy): the entry function catches that. Inside
    // this `try` they measured slower (bimodal, ~65 or ~120 ns a decision at 3 rules).
    (locals, parts) => [`return function plan(q, c, K, D, B) {`, PROLOGUE, `let ${locals}`, 'try {', ...parts, '} catch (e) {', '  return undefined', '}', `return D[${steps.length}]`, '}'].join('\n'),
  )
  return src === undefined ? undefined : { ...src, shapes }
}

/** The source of the sub-plan function over one literal's rules of a block; undefined when it cannot be made. */
export function subSource(rules: readonly CompiledRule[], info: ActionInfo, env: GenerateEnv): { body: string; K: unknown[][] } | undefined {
  return functionSource(
    rules,
    (rule, i, reads, k) => ruleCode(rule, i, info, env, reads, k),
    (locals, parts) => [`return function sub(P, R, C, c, K, D) {`, `let ${locals}`, 'try {', ...parts, '} catch (e) {', '  return undefined', '}', 'return -1', '}'].join('\n'),
  )
}

/** A plan function with its constants and decisions, as an evaluator keeps it per action name. */
export interface FastPlan {
  readonly fn: PlanFn
  readonly K: readonly (readonly unknown[])[]
  readonly D: readonly (Decision | undefined)[]
  readonly B: readonly BlockDispatch[]
}

/** What an entry needs to try an evaluator's plan functions: its action entries, call context and full path. */
export interface PlanTable {
  readonly entries: ReadonlyMap<string, { readonly fast: FastPlan | null | undefined }>
  readonly c: CallContext
  /** The evaluator's full path: decides any request, never throws. */
  readonly full: (request: AuthzRequest) => Decision
}

/**
 * Code that returns the decision of the plan function of `request`'s action name in the table
 * `T` (a `PlanTable`) when there is one and it decides, and falls through otherwise. Reading the
 * request may throw (a getter, a Proxy) — its action here, its principal, resource or context in
 * a plan function's prologue: that falls through too, and the full path reads it again and
 * denies with the reason. Shared by the evaluator's entry and the engine's (runtime/engine-entry.ts).
 */
export const PLAN_ATTEMPT = [
  "if (typeof request === 'object' && request !== null) {",
  '  try {',
  '    const name = request.action',
  "    if (typeof name === 'string') {",
  '      const a = T.entries.get(name)',
  '      if (a !== undefined) {',
  '        const f = a.fast',
  '        if (f !== undefined && f !== null) {',
  '          const d = f.fn(request, T.c, f.K, f.D, f.B)',
  '          if (d !== undefined) return d',
  '        }',
  '      }',
  '    }',
  '  } catch (e) {}',
  '}',
].join('\n')

const ENTRY = ['"use strict"', 'return function evaluate(request) {', PLAN_ATTEMPT, 'return T.full(request)', '}'].join('\n')

/**
 * An evaluator's `evaluate` in generated mode: the plan function of the request's action name
 * when it has one and it decides, else the table's full path. Made anew for every evaluator,
 * never cached: V8 keeps one set of type feedback per function, and a shared entry would see
 * the plan functions of every evaluator in the process at its one call site, which then stops
 * inlining them. Undefined where code generation is disallowed.
 */
export function planEntry(table: PlanTable): ((request: AuthzRequest) => Decision) | undefined {
  try {
    return (new Function('T', ENTRY) as (T: PlanTable) => (request: AuthzRequest) => Decision)(table)
  } catch {
    return undefined
  }
}

/** The plan function of a source from `planSource` (generated once per source). Throws where code generation is disallowed. */
export function planFunction(body: string): PlanFn {
  return fromSource<PlanFn>(body)
}

/** The sub-plan function of a source from `subSource` (generated once per source). */
export function subFunction(body: string): SubFn {
  return fromSource<SubFn>(body)
}
