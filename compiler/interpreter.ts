/**
 * The reference interpreter: the executable definition of SEMANTICS.md. It walks checked
 * rules and IR expressions directly, trading speed for obviousness; the compiled evaluator
 * must return exactly what this returns (test/compiler/differential.property.test.ts).
 *
 * Order of evaluation, which fixes which errors a decision reports:
 * 1. deny rules in set order; the first whose guard is true or errors decides (deny);
 * 2. allow rules in set order until one fires; erroring allow guards are recorded, not fired;
 * 3. require and audit rules in set order: the first unmet precondition decides (deny);
 *    unmet approvals and conditions are collected.
 */
import type { Expr } from '../grammar/ir.js'
import type { Builtin, CallContext, Callable } from '../stdlib/builtin-types.js'
import type { AuthzRequest, Condition, Decision, DecisionError, DeterminingRule, TraceStep } from '../stdlib/decision.js'
import type { Ladders } from '../stdlib/ladders.js'
import type { Limits } from '../stdlib/limits.js'
import { add, div, mod, mul, negate, sub } from '../stdlib/arithmetic.js'
import { getIndex, getMember } from '../stdlib/access.js'
import { readBase, readValue } from '../stdlib/read-value.js'
import { compareValues } from '../stdlib/compare.js'
import { durationFromLiteral } from '../stdlib/durations.js'
import { valueEquals } from '../stdlib/equality.js'
import { expectBool, inOp } from '../stdlib/operators.js'
import { EvalError, type Value, type ValueRecord } from '../stdlib/value.js'
import type { CheckedPolicy, CheckedRule, CheckedSet } from './checked.js'
import {
  asEvalError, condition, denyErrorReason, denyReason, EVAL, makeDecision, missingArgumentError, NO_ALLOW_REASON, requirementReason, ruleError, unboundError,
} from './decisions.js'
import { inScope, matchAny, matchAnyOrMissing, scopeSubject, type MissingArgument } from './patterns.js'
import { invalidRequestReason, normalizeRequest, type NormalizedRequest } from './request.js'

/** What evaluation needs besides the set and the request. */
export interface EvalOptions {
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  readonly limits: Limits
  /** Policy-set version stamped on decisions. */
  readonly version: number
  /** Record a trace of every rule considered. */
  readonly explain?: boolean
  /** The engine clock for `now()` when the request carries no time (epoch ms); `Date.now` by default. */
  readonly clock?: () => number
}

interface Env {
  readonly vars: ReadonlyMap<string, Value>
  readonly req: NormalizedRequest
  readonly call: CallContext
  readonly functions: ReadonlyMap<string, Builtin>
}

/** Looks a name up in guard scope order (SEMANTICS.md §1). */
export function lookupName(name: string, vars: ReadonlyMap<string, Value>, req: NormalizedRequest): Value {
  const v = vars.get(name)
  if (v !== undefined) return v
  if (Object.hasOwn(req.context, name)) return req.context[name] as Value
  switch (name) {
    case 'principal':
      return req.principal
    case 'action':
      return req.actionValue
    case 'resource':
      if (req.resource === undefined) throw new EvalError(EVAL.unbound, '`resource` is not bound: the request has no resource')
      return req.resource
    case 'context':
      return req.context
    default:
      throw unboundError(name)
  }
}

function evalExpr(e: Expr, env: Env): Value {
  switch (e.kind) {
    case 'String':
      return e.value
    case 'Number':
      return e.value
    case 'Bool':
      return e.value
    case 'Duration':
      return durationFromLiteral(e.amount, e.unit)
    case 'Ident':
      return readValue(lookupName(e.name, env.vars, env.req), env.call.limits, nameWhat(e.name))
    case 'Member':
      return readValue(getMember(evalBase(e.object, env), e.property), env.call.limits, memberWhat(e.property))
    case 'Index':
      return readValue(getIndex(evalBase(e.object, env), evalExpr(e.index, env)), env.call.limits, INDEX_WHAT)
    case 'Call':
      return evalCall(e, env)
    case 'Unary': {
      const v = evalExpr(e.operand, env)
      return e.op === '-' ? negate(v) : !expectBool(v, `operand of \`${e.op}\``)
    }
    case 'Binary':
      return evalBinary(e, env)
    case 'IfExpr': {
      let cur: Extract<Expr, { kind: 'IfExpr' }> = e
      for (;;) {
        if (expectBool(evalExpr(cur.cond, env), 'condition of `if`')) return blockValue(cur.then, env)
        if (cur.else === undefined) throw new EvalError(EVAL.notAValue, '`if` without `else` has no value when its condition is false')
        if (cur.else.kind === 'Block') return blockValue(cur.else, env)
        cur = cur.else
      }
    }
    case 'Array':
      return e.elements.map((x) => evalExpr(x, env))
    case 'Record': {
      const out: Record<string, Value> = {}
      for (const f of e.fields) {
        // `out["__proto__"] = v` would set the prototype instead of adding the key.
        if (f.key === '__proto__') Object.defineProperty(out, f.key, { value: evalExpr(f.value, env), enumerable: true, writable: true, configurable: true })
        else out[f.key] = evalExpr(f.value, env)
      }
      return out
    }
    case 'Lambda':
    case 'Vault':
    case 'Wildcard':
    case 'Assign':
      throw new EvalError(EVAL.notAValue, `a ${e.kind.toLowerCase()} is not a value here`)
  }
}

/** What a read names in an error message. Shared with the compiled closures, whose errors must match. */
export function nameWhat(name: string): string {
  return `\`${name}\``
}
export function memberWhat(property: string): string {
  return `attribute '${property}'`
}
export const INDEX_WHAT = 'the indexed element'

/**
 * The base of a member or index read: checked at its top level only (stdlib/read-value.ts),
 * so that an unread, meaningless sibling attribute does not make `user.banned` an error.
 */
function evalBase(e: Expr, env: Env): Value {
  switch (e.kind) {
    case 'Ident':
      return readBase(lookupName(e.name, env.vars, env.req), nameWhat(e.name))
    case 'Member':
      return readBase(getMember(evalBase(e.object, env), e.property), memberWhat(e.property))
    case 'Index':
      return readBase(getIndex(evalBase(e.object, env), evalExpr(e.index, env)), INDEX_WHAT)
    default:
      return evalExpr(e, env)
  }
}

function blockValue(b: Extract<Expr, { kind: 'IfExpr' }>['then'], env: Env): Value {
  if (b.statements.length > 0 || b.value === undefined) throw new EvalError(EVAL.notAValue, 'statements are not evaluated in policy expressions')
  return evalExpr(b.value, env)
}

function evalBinary(e: Extract<Expr, { kind: 'Binary' }>, env: Env): Value {
  if (e.op === '&&') return expectBool(evalExpr(e.left, env), 'left operand of `&&`') && expectBool(evalExpr(e.right, env), 'right operand of `&&`')
  if (e.op === '||') return expectBool(evalExpr(e.left, env), 'left operand of `||`') || expectBool(evalExpr(e.right, env), 'right operand of `||`')
  const l = evalExpr(e.left, env)
  const r = evalExpr(e.right, env)
  switch (e.op) {
    case '==':
      return valueEquals(l, r)
    case '!=':
      return !valueEquals(l, r)
    case 'in':
      return inOp(l, r)
    case '<':
      return compareValues(l, r, env.call.ladders) < 0
    case '>':
      return compareValues(l, r, env.call.ladders) > 0
    case '<=':
      return compareValues(l, r, env.call.ladders) <= 0
    case '>=':
      return compareValues(l, r, env.call.ladders) >= 0
    case '+':
      return add(l, r)
    case '-':
      return sub(l, r)
    case '*':
      return mul(l, r)
    case '/':
      return div(l, r)
    case '%':
      return mod(l, r)
  }
}

function evalCall(e: Extract<Expr, { kind: 'Call' }>, env: Env): Value {
  const callee = e.callee
  const method = callee.kind === 'Member'
  const name = callee.kind === 'Ident' ? callee.name : callee.kind === 'Member' ? callee.property : undefined
  const fn = name === undefined ? undefined : env.functions.get(name)
  if (fn === undefined || (method && !fn.method)) throw new EvalError('EVAL122', `unknown function '${name ?? '?'}'`)
  const args: Value[] = []
  const fns: (Callable | undefined)[] = []
  if (method) {
    args.push(evalExpr((callee as Extract<Expr, { kind: 'Member' }>).object, env))
    fns.push(undefined)
  }
  for (const a of e.args) {
    const v = a.value
    if (v.kind === 'Lambda') {
      args.push(null)
      fns.push(makeLambda(v, env))
    } else {
      args.push(evalExpr(v, env))
      fns.push(undefined)
    }
  }
  return fn.call(args, fns, env.call)
}

function makeLambda(l: Extract<Expr, { kind: 'Lambda' }>, env: Env): Callable {
  return (...xs: Value[]) => {
    const vars = new Map(env.vars)
    l.params.forEach((p, i) => vars.set(p, xs[i] ?? null))
    return evalExpr(l.body, { ...env, vars })
  }
}

type Outcome = { ok: true; value: Value } | { ok: false; error: EvalError }

function attempt(e: Expr, env: Env): Outcome {
  try {
    return { ok: true, value: evalExpr(e, env) }
  } catch (err) {
    return { ok: false, error: asEvalError(err) }
  }
}

/** A guard: absent is true; a non-boolean is an error. */
function guard(rule: CheckedRule, env: Env): Outcome {
  if (rule.guard === undefined) return { ok: true, value: true }
  const r = attempt(rule.guard, env)
  if (r.ok && typeof r.value !== 'boolean') return { ok: false, error: new EvalError('EVAL102', `the guard of ${rule.ref.policy}[${rule.ref.rule}] is not a boolean`) }
  return r
}

/** Reads an engine clock once; a clock that throws or yields a non-number gives NaN, which `now()` reports as an error. */
export function readClock(clock: (() => number) | undefined): number {
  if (clock === undefined) return Date.now()
  try {
    const t: unknown = clock()
    return typeof t === 'number' ? t : NaN
  } catch {
    return NaN
  }
}

/** Decides one request. Never throws. */
export function interpret(set: CheckedSet, request: AuthzRequest, options: EvalOptions): Decision {
  const trace: TraceStep[] | undefined = options.explain ? [] : undefined
  let req: NormalizedRequest
  try {
    req = normalizeRequest(request, set.vocabulary)
  } catch (e) {
    const message = invalidRequestReason(e)
    return makeDecision({ effect: 'deny', reason: message }, [], [], options.version, trace)
  }
  const call: CallContext = { now: req.now ?? readClock(options.clock), ladders: options.ladders, limits: options.limits }
  const env = (vars: ReadonlyMap<string, Value>): Env => ({ vars, req, call, functions: options.functions })
  const errors: DecisionError[] = []
  const step = (rule: CheckedRule, outcome: TraceStep['outcome'], detail?: string): void => {
    trace?.push(detail === undefined ? { rule: rule.ref, outcome } : { rule: rule.ref, outcome, detail })
  }

  /**
   * Matches an allow/deny rule and evaluates its guard, tracing the dull outcomes; the caller
   * decides what firing and erroring mean for its kind. Deny patterns and scopes fold case
   * (SEMANTICS.md §7), allow patterns and scopes do not.
   */
  const consider = (policy: CheckedPolicy, rule: CheckedRule): 'skip' | 'fired' | EvalError => {
    const fold = rule.kind === 'deny'
    if (!inScope(policy.scope, req, fold)) {
      step(rule, 'not_applicable', outOfScope(policy, req))
      // Stryker disable next-line StringLiteral: the callers test only for 'fired' and for an error, so any other string is a skip
      return 'skip'
    }
    const b = fold ? matchAnyOrMissing(rule.patterns, req, true) : matchAny(rule.patterns, req, false)
    if (b === undefined) {
      step(rule, 'not_applicable')
      // Stryker disable next-line StringLiteral: the callers test only for 'fired' and for an error, so any other string is a skip
      return 'skip'
    }
    const g = b instanceof Map ? guard(rule, env(b)) : ({ ok: false, error: missingArgumentError(b.missing) } as const)
    if (!g.ok) {
      errors.push(ruleError(rule, g.error))
      step(rule, 'error', g.error.message)
      return g.error
    }
    if (g.value === true) {
      step(rule, 'fired', policy.scope === undefined ? undefined : inScopeDetail(policy))
      return 'fired'
    }
    step(rule, 'guard_false')
    // Stryker disable next-line StringLiteral: the callers test only for 'fired' and for an error, so any other string is a skip
    return 'skip'
  }

  for (const policy of set.policies) {
    for (const rule of policy.rules) {
      if (rule.kind !== 'deny') continue
      const r = consider(policy, rule)
      if (r instanceof EvalError) return makeDecision({ effect: 'deny', reason: denyErrorReason(rule, r) }, [rule.ref], errors, options.version, trace)
      if (r === 'fired') return makeDecision({ effect: 'deny', reason: denyReason(rule) }, [rule.ref], errors, options.version, trace)
    }
  }

  let allowRule: CheckedRule | undefined
  outer: for (const policy of set.policies) {
    for (const rule of policy.rules) {
      if (rule.kind === 'allow' && consider(policy, rule) === 'fired') {
        allowRule = rule
        break outer
      }
    }
  }
  if (allowRule === undefined) return makeDecision({ effect: 'deny', reason: NO_ALLOW_REASON }, [], errors, options.version, trace)

  const determining: DeterminingRule[] = [allowRule.ref]
  const conditions: Condition[] = []
  const approvers: string[] = []
  const approvalRules: DeterminingRule[] = []
  for (const policy of set.policies) {
    for (const rule of policy.rules) {
      if (rule.kind !== 'require' && rule.kind !== 'audit') continue
      if (!inScope(policy.scope, req, true)) {
        step(rule, 'not_applicable', outOfScope(policy, req))
        continue
      }
      const found = applicability(policy, rule, req)
      if (found === undefined || (!(found instanceof Map) && rule.kind === 'audit')) {
        step(rule, 'not_applicable')
        continue
      }
      if (!(found instanceof Map)) {
        const err = missingArgumentError(found.missing)
        errors.push(ruleError(rule, err))
        step(rule, 'error', err.message)
        return makeDecision({ effect: 'deny', reason: requirementReason(`${rule.source} (${err.message})`) }, [rule.ref], errors, options.version, trace)
      }
      const b = found
      const g = guard(rule, env(b))
      if (!g.ok) {
        errors.push(ruleError(rule, g.error))
        step(rule, 'error', g.error.message)
        if (rule.kind === 'require') return makeDecision({ effect: 'deny', reason: requirementReason(`${rule.source} (${g.error.message})`) }, [rule.ref], errors, options.version, trace)
      } else if (g.value !== true) {
        step(rule, 'guard_false')
        continue
      }
      const e = env(b)
      let unmetHere = false
      for (const item of rule.requires) {
        if (item.kind === 'precondition') {
          const r = attempt(item.expr, e)
          if (!r.ok) errors.push(ruleError(rule, r.error))
          else if (typeof r.value !== 'boolean') errors.push(ruleError(rule, new EvalError('EVAL102', `requirement \`${item.source}\` is not a boolean`)))
          if (!r.ok || r.value !== true) {
            step(rule, 'unmet', item.source)
            return makeDecision({ effect: 'deny', reason: requirementReason(item.source) }, [rule.ref], errors, options.version, trace)
          }
        } else if (item.kind === 'approval') {
          if (!req.approvals.has(item.approver)) {
            if (!approvers.includes(item.approver)) approvers.push(item.approver)
            unmetHere = true
          }
        } else {
          let value: Value | undefined
          if (item.value !== undefined) {
            const r = attempt(item.value, e)
            if (!r.ok) {
              errors.push(ruleError(rule, r.error))
              step(rule, 'unmet', item.name)
              return makeDecision({ effect: 'deny', reason: requirementReason(`${item.name} (${r.error.message})`) }, [rule.ref], errors, options.version, trace)
            }
            value = r.value
          }
          conditions.push(condition('obligation', item.name, value, rule.modifiers))
        }
      }
      for (const item of rule.audits) {
        let value: Value | undefined
        if (item.value !== undefined) {
          const r = attempt(item.value, e)
          if (r.ok) value = r.value
          else errors.push(ruleError(rule, r.error))
        }
        conditions.push(condition('audit', item.name, value, rule.modifiers))
      }
      if (unmetHere) approvalRules.push(rule.ref)
      determining.push(rule.ref)
      step(rule, unmetHere ? 'unmet' : rule.kind === 'audit' ? 'attached' : 'met')
    }
  }
  if (approvers.length > 0) return makeDecision({ effect: 'require_approval', approvers }, approvalRules, errors, options.version, trace)
  if (conditions.length > 0) return makeDecision({ effect: 'allow_with_conditions', conditions }, determining, errors, options.version, trace)
  return makeDecision({ effect: 'allow' }, determining, errors, options.version, trace)
}

/**
 * Whether a require/audit rule applies (SEMANTICS.md §3), and the bindings it sees: its `for`
 * scope's, or those of the first allow/deny target of its policy that matches. Both fold case
 * (SEMANTICS.md §7): a requirement reaching further only ever asks for more.
 */
export function applicability(policy: CheckedPolicy, rule: CheckedRule, req: NormalizedRequest): Map<string, Value> | MissingArgument | undefined {
  if (rule.scope !== undefined) return matchAnyOrMissing(rule.scope, req, true)
  if (policy.targets.length === 0) return new Map()
  let missing: MissingArgument | undefined
  for (const t of policy.targets) {
    const b = matchAnyOrMissing(t.patterns, req, true)
    if (b instanceof Map) return b
    missing ??= b
  }
  return missing
}

/** `explain`'s words for a policy that does not govern the request. */
function outOfScope(policy: CheckedPolicy, req: NormalizedRequest): string {
  const scope = policy.scope as NonNullable<CheckedPolicy['scope']>
  const actual = scopeSubject(scope, req)
  const field = scope.kind === 'agent' ? 'principal.id' : 'context.channel'
  return `out of scope: policy \`${policy.name}\` governs ${scope.kind} ${JSON.stringify(scope.name)}, and ${field} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}`
}

/** `explain`'s words for a scoped policy whose rule applied. */
function inScopeDetail(policy: CheckedPolicy): string {
  const scope = policy.scope as NonNullable<CheckedPolicy['scope']>
  return `in scope: policy \`${policy.name}\` governs ${scope.kind} ${JSON.stringify(scope.name)}`
}

export type { ValueRecord }
