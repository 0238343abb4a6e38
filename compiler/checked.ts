/**
 * The checked policy set: what the checker hands to both evaluators (the reference interpreter
 * and the compiled closures). Plain data that still holds IR expressions for guards, so that
 * each evaluator decides for itself how to run them.
 */
import type { Expr } from '../grammar/ir.js'
import type { DeterminingRule, RuleKind } from '../stdlib/decision.js'

/** One argument pattern of `verb(a1, a2, …)` (SEMANTICS.md §2). */
export type ArgPattern =
  | { readonly kind: 'bind'; readonly name: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'literal'; readonly value: string }

/** An action pattern: the target of allow/deny, the `for` scope of require/audit. */
export type ActionPattern =
  | { readonly kind: 'any' }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'glob'; readonly pattern: string }
  | { readonly kind: 'call'; readonly verb: ActionPattern; readonly args: readonly ArgPattern[] }

/** One classified element of a require target (SEMANTICS.md §3). */
export type RequireItem =
  | { readonly kind: 'precondition'; readonly expr: Expr; readonly source: string }
  | { readonly kind: 'approval'; readonly approver: string }
  | { readonly kind: 'obligation'; readonly name: string; readonly value?: Expr }

/** One element of an audit target. */
export type AuditItem = { readonly name: string; readonly value?: Expr }

/** A rule after checking. */
export interface CheckedRule {
  /** Where it came from; copied into decisions. */
  readonly ref: DeterminingRule
  /** Rule kind. */
  readonly kind: RuleKind
  /** Action patterns of an allow/deny target (any of them). */
  readonly patterns: readonly ActionPattern[]
  /** `for` scope of a require/audit rule (any of them). */
  readonly scope?: readonly ActionPattern[]
  /** Classified require elements. */
  readonly requires: readonly RequireItem[]
  /** Audit elements. */
  readonly audits: readonly AuditItem[]
  /** `with` modifiers as names. */
  readonly modifiers: readonly string[]
  /** The `if` guard. */
  readonly guard?: Expr
  /** Source text of the rule, for reasons and explanations. */
  readonly source: string
}

/**
 * Whose requests a policy governs (SEMANTICS.md §6): a policy inside `agent NAME { … }` applies
 * only when `principal.id == NAME`, one inside `channel NAME { … }` only when
 * `context.channel == NAME`. Top-level policies have no scope and apply to every request.
 */
export type PolicyScope = { readonly kind: 'agent' | 'channel'; readonly name: string }

/** A policy after checking. */
export interface CheckedPolicy {
  readonly name: string
  /** The agent or channel it is embedded in; absent for top-level policies. */
  readonly scope?: PolicyScope
  /** File it came from. */
  readonly file?: string
  /** Rules in source order. */
  readonly rules: readonly CheckedRule[]
  /** Allow/deny patterns of this policy, for require/audit applicability without `for`. */
  readonly targets: readonly { readonly rule: number; readonly patterns: readonly ActionPattern[] }[]
}

/** Action vocabulary: which groups each action belongs to. */
export interface ActionVocabulary {
  /** Groups by action name. */
  readonly groupsOf: ReadonlyMap<string, readonly string[]>
}

/** The whole checked set, in load order. */
export interface CheckedSet {
  readonly policies: readonly CheckedPolicy[]
  /** Engine action vocabulary (from the schema); request groups are added per request. */
  readonly vocabulary: ActionVocabulary
}
