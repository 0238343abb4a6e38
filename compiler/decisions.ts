/**
 * Decision construction and the wording of reasons, shared by every evaluator so that the
 * interpreter and the compiled closures cannot drift apart in what they say.
 */
import type { Condition, Decision, DecisionError, DeterminingRule, TraceStep } from '../stdlib/decision.js'
import { EvalError } from '../stdlib/value.js'
import type { CheckedRule } from './checked.js'

/** Evaluator error codes (the stdlib owns EVAL1xx). */
export const EVAL = {
  /** A name bound nowhere at evaluation time. */
  unbound: 'EVAL001',
  /** The request is malformed. */
  badRequest: 'EVAL002',
  /** An unexpected failure inside evaluation (a bug or resource exhaustion); fails closed. */
  internal: 'EVAL005',
  /** A lambda used as a value, or statements where a value is needed. */
  notAValue: 'EVAL003',
  /** A deny or require pattern names an argument the action does not have; fails closed. */
  missingArgument: 'EVAL004',
} as const

/**
 * The error of a deny or require rule whose verb matches but whose pattern names an argument
 * the request lacks (`deny: export(data) if …` on an `export` with no resource). Without it the
 * deny would simply not apply, and leaving out the resource would walk past it.
 */
export function missingArgumentError(index: number): EvalError {
  return new EvalError(EVAL.missingArgument, `the action has no argument ${index}${index === 0 ? ' and no resource' : ''}, which the rule's pattern names`)
}

/** Turns anything thrown during evaluation into an `EvalError`. */
export function asEvalError(e: unknown): EvalError {
  if (e instanceof EvalError) return e
  if (e instanceof RangeError) return new EvalError(EVAL.internal, 'evaluation exceeded the stack (input nests too deeply)')
  return new EvalError(EVAL.internal, `internal evaluation error: ${e instanceof Error ? e.message : String(e)}`)
}

/** The error thrown for an unbound name. */
export function unboundError(name: string): EvalError {
  return new EvalError(EVAL.unbound, `\`${name}\` is not bound: no pattern binder, context attribute or request name has that name`)
}

/** Records an evaluation error against a rule. */
export function ruleError(rule: CheckedRule, e: EvalError): DecisionError {
  return { code: e.code, message: e.message, rule: rule.ref }
}

/** Reason of a deny that fired. */
export function denyReason(rule: CheckedRule): string {
  return `denied by ${rule.ref.policy}[${rule.ref.rule}]: ${rule.source}`
}

/** Reason of a deny whose guard failed to evaluate (fail closed). */
export function denyErrorReason(rule: CheckedRule, e: EvalError): string {
  return `denied because ${rule.ref.policy}[${rule.ref.rule}] could not be evaluated (fail closed): ${e.message}`
}

/** Reason when no allow rule fired. */
export const NO_ALLOW_REASON = 'no allow rule matched'

/** Reason of an unmet precondition. */
export function requirementReason(source: string): string {
  return `requirement not met: ${source}`
}

/** Assembles the final decision object. */
export function makeDecision(
  outcome:
    | { effect: 'allow' }
    | { effect: 'deny'; reason: string }
    | { effect: 'allow_with_conditions'; conditions: Condition[] }
    | { effect: 'require_approval'; approvers: string[] },
  determining: DeterminingRule[],
  errors: DecisionError[],
  version: number,
  trace: TraceStep[] | undefined,
): Decision {
  const info = trace === undefined ? { determining, errors, version } : { determining, errors, version, trace }
  switch (outcome.effect) {
    case 'allow':
      return { effect: 'allow', ...info }
    case 'deny':
      return { effect: 'deny', reason: outcome.reason, ...info }
    case 'allow_with_conditions':
      return { effect: 'allow_with_conditions', conditions: outcome.conditions, ...info }
    case 'require_approval':
      return { effect: 'require_approval', approver: outcome.approvers[0] ?? '', approvers: outcome.approvers, ...info }
  }
}

/** A condition object without undefined optional fields. */
export function condition(kind: Condition['kind'], name: string, value: Condition['value'] | undefined, modifiers: readonly string[]): Condition {
  const c: { -readonly [K in keyof Condition]: Condition[K] } = { kind, name }
  if (value !== undefined) c.value = value
  if (modifiers.length > 0) c.modifiers = modifiers
  return c
}
