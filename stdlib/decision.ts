import type { Span } from '../diagnostics/diagnostic.js'
import type { Value, ValueRecord } from './value.js'

/** The acting agent, user, or the resource acted on: a record with an `id`. */
export interface Entity extends ValueRecord {
  /** Unique identifier. */
  readonly id: string
}

/** The structured form of an action. */
export interface ActionObject {
  /** Action name, e.g. `read` or `tool_call::web_search`. */
  readonly name: string
  /** Positional arguments; argument 0 defaults to the resource. */
  readonly args?: readonly Value[]
  /** Groups the action belongs to, e.g. `statistical_operations`. */
  readonly groups?: readonly string[]
}

/** One authorization question (SEMANTICS.md §1). */
export interface AuthzRequest {
  /** Who acts. */
  readonly principal: Entity
  /** What is done: a name, or a name with arguments and groups. */
  readonly action: string | ActionObject
  /** What is acted on. */
  readonly resource?: Entity
  /** Free attributes: user, session, data, system, operation, time, approvals, … */
  readonly context?: ValueRecord
}

/** A condition attached to an allow: an obligation or an audit obligation. */
export interface Condition {
  /** `obligation` from require, `audit` from audit rules. */
  readonly kind: 'obligation' | 'audit'
  /** Obligation name, e.g. `differential_privacy` or `audit_trail`. */
  readonly name: string
  /** Its parameter or evaluated target, when it has one. */
  readonly value?: Value
  /** `with` modifiers, e.g. `digital_signature`. */
  readonly modifiers?: readonly string[]
}

/** The kind of rule that determined a decision. */
export type RuleKind = 'allow' | 'deny' | 'require' | 'audit'

/** A rule that determined a decision. */
export interface DeterminingRule {
  /** Policy name. */
  readonly policy: string
  /** Index of the rule within its policy, 0-based. */
  readonly rule: number
  /** Rule kind. */
  readonly kind: RuleKind
  /** Source span of the rule. */
  readonly span: Span
  /** File the policy came from, when known. */
  readonly source?: string
}

/** An evaluation error met while deciding, with the rule that raised it. */
export interface DecisionError {
  /** `EVAL…` code. */
  readonly code: string
  /** What went wrong. */
  readonly message: string
  /** The rule whose expression raised it. */
  readonly rule: DeterminingRule
}

/** One step of an explain trace. */
export interface TraceStep {
  /** The rule considered. */
  readonly rule: DeterminingRule
  /** What happened to it. */
  readonly outcome: 'not_applicable' | 'fired' | 'guard_false' | 'error' | 'met' | 'unmet' | 'granted' | 'attached'
  /** Why, in words. */
  readonly detail?: string
}

/** Fields every decision carries. */
export interface DecisionInfo {
  /** Rules that determined the outcome. */
  readonly determining: readonly DeterminingRule[]
  /** Evaluation errors met, including those that did not change the outcome. */
  readonly errors: readonly DecisionError[]
  /** Version of the policy set that decided. */
  readonly version: number
  /** Present when the request asked for an explanation. */
  readonly trace?: readonly TraceStep[]
}

/** The decision of SEMANTICS.md §4. */
export type Decision =
  | ({ readonly effect: 'allow' } & DecisionInfo)
  | ({ readonly effect: 'deny'; readonly reason: string } & DecisionInfo)
  | ({ readonly effect: 'allow_with_conditions'; readonly conditions: readonly Condition[] } & DecisionInfo)
  | ({ readonly effect: 'require_approval'; readonly approver: string; readonly approvers: readonly string[] } & DecisionInfo)

/** The effect names a decision may carry. */
export type Effect = Decision['effect']

/** True when the decision lets the operation proceed (possibly with conditions to carry out). */
export function isPermitted(d: Decision): boolean {
  return d.effect === 'allow' || d.effect === 'allow_with_conditions'
}

/** Anything that decides requests: our engine, a compiled module, a Cedar gate. */
export interface PolicyDecider {
  /** Decides one request. May be asynchronous (remote or Cedar-backed deciders). */
  evaluate(request: AuthzRequest): Decision | Promise<Decision>
}
