/**
 * A policy decider and reasoning-loop gate over native Cedar policies, evaluated by cedar-wasm
 * with a preparsed policy set.
 *
 * Two defaults (docs/cedar.md):
 * - `denyByDefault`: Cedar's own rule — allow only when a permit is satisfied and no forbid is;
 * - `allowByDefault`: allow unless a forbid is satisfied; permits do not matter.
 * In both, a forbid whose evaluation fails denies (we are stricter than Cedar, which skips it),
 * and every other failure — a request Cedar cannot represent, an engine error, an unexpected
 * answer — denies too. A failing permit is reported in the decision's errors and simply does
 * not permit.
 */
import { preparsePolicySet, statefulIsAuthorized, type AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs'
import type { AuthzRequest, Condition, Decision, DecisionError, DeterminingRule, PolicyDecider } from '../../stdlib/decision.js'
import type { Entity } from '../../stdlib/decision.js'
import type { ValueRecord } from '../../stdlib/value.js'
import type { GateDecision, PolicyGate, ProposedAction } from '../enforce/policy-gate.js'
import { proposalRequest } from '../enforce/policy-gate.js'
import { CedarPolicyError, indexPolicySet, type IndexedPolicySet } from './cedar-policy-set.js'
import { CedarMappingError, PROBE_KEY, toCedarRequest, type CedarRequest } from './request-mapping.js'

/** Options of a Cedar gate. */
export interface CedarGateOptions {
  /** Groups by action name (e.g. the compiled set's vocabulary), added to each request's groups. */
  readonly groupsOf?: ReadonlyMap<string, readonly string[]>
  /** Largest array, record or string a request may hold; set it to the engine's `maxCollectionSize` when that is not the default. */
  readonly maxCollectionSize?: number
}

/** Code of decision errors raised by a Cedar policy. */
export const CEDAR_EVAL_ERROR = 'CEDAR030'

let counter = 0
/**
 * cedar-wasm keeps preparsed sets until their id is preparsed again and offers no way to drop
 * one, so ids of collected gates are recycled: a new gate overwrites a dead gate's set instead
 * of adding to wasm memory.
 */
const freeIds: string[] = []
const recycler = new FinalizationRegistry<string>((id) => void freeIds.push(id))

/** A `PolicyDecider` and `PolicyGate` backed by Cedar. */
export class CedarPolicyGate implements PolicyDecider, PolicyGate {
  private set: IndexedPolicySet
  private version = 1
  private readonly storeId: string

  private constructor(
    text: string,
    private readonly mode: 'deny' | 'allow',
    private readonly options: CedarGateOptions,
  ) {
    this.storeId = freeIds.pop() ?? `symbi-cedar-gate-${++counter}`
    try {
      this.set = this.prepare(text)
    } catch (e) {
      freeIds.push(this.storeId)
      throw e
    }
    recycler.register(this, this.storeId)
  }

  /** A gate that denies unless a permit is satisfied (Cedar's default). Throws `CedarPolicyError` for bad text. */
  static denyByDefault(policiesText: string, options: CedarGateOptions = {}): CedarPolicyGate {
    return new CedarPolicyGate(policiesText, 'deny', options)
  }

  /** A gate that allows unless a forbid is satisfied or fails. Throws `CedarPolicyError` for bad text. */
  static allowByDefault(policiesText: string, options: CedarGateOptions = {}): CedarPolicyGate {
    return new CedarPolicyGate(policiesText, 'allow', options)
  }

  /** The version of the loaded set; starts at 1, increases with every successful reload. */
  get currentVersion(): number {
    return this.version
  }

  /** Replaces the policies all at once; on bad text throws and the old set keeps serving. */
  reload(policiesText: string): void {
    this.set = this.prepare(policiesText)
    this.version++
  }

  private prepare(text: string): IndexedPolicySet {
    const set = indexPolicySet(text)
    const r = preparsePolicySet(this.storeId, { staticPolicies: set.byId })
    if (r.type !== 'success') throw new CedarPolicyError(`Cedar policies do not parse: ${r.errors.map((e) => e.message).join('; ')}`)
    return set
  }

  /** Decides one request. Never throws. */
  evaluate(request: AuthzRequest): Decision {
    const set = this.set
    const version = this.version
    let mapped: CedarRequest
    try {
      mapped = toCedarRequest(request, this.options)
    } catch (e) {
      const why = e instanceof CedarMappingError ? e.message : 'malformed request'
      return deny(`invalid request for Cedar: ${why}`, [], [], version)
    }
    const answer = this.ask(mapped, mapped.context)
    if (answer === undefined) return deny('Cedar could not evaluate the request (fail closed)', [], [], version)
    const errors: DecisionError[] = []
    let forbidFailed: DeterminingRule | undefined
    for (const e of answer.errors) {
      const p = set.info.get(e.policyId)
      const rule = ruleRef(e.policyId, p?.index ?? -1, p?.effect ?? 'forbid')
      errors.push({ code: CEDAR_EVAL_ERROR, message: e.message, rule })
      if (p?.effect !== 'permit') forbidFailed ??= rule
    }
    if (forbidFailed !== undefined) return deny(`denied because Cedar policy ${forbidFailed.policy} could not be evaluated (fail closed)`, [forbidFailed], errors, version)
    const reasons = answer.reasons.map((id) => ruleRef(id, set.info.get(id)?.index ?? -1, set.info.get(id)?.effect ?? 'forbid'))
    const forbids = reasons.filter((r) => r.kind === 'deny')
    if (forbids.length > 0) return deny(`denied by Cedar policy ${forbids.map((r) => r.policy).join(', ')}`, forbids, errors, version)
    if (answer.decision === 'deny' && this.mode === 'deny') return deny('no Cedar permit matched', [], errors, version)
    const conditions = set.hasCarriers ? this.conditions(mapped) : []
    if (conditions === undefined) return deny('Cedar could not evaluate the obligations of the request (fail closed)', reasons, errors, version)
    if (conditions.length > 0) return { effect: 'allow_with_conditions', conditions, determining: reasons, errors, version }
    return { effect: 'allow', determining: reasons, errors, version }
  }

  /** Decides a proposed reasoning-loop action (the request shape of `DeciderPolicyGate`). Not audited: wrap the gate in an Enforcer for that. */
  async evaluateAction(proposed: ProposedAction, agent: Entity, context?: ValueRecord): Promise<GateDecision> {
    let request: AuthzRequest
    try {
      request = proposalRequest(proposed, agent, context).request
    } catch (e) {
      const reason = `invalid proposed action: ${e instanceof Error ? e.message : String(e)}`
      return { allowed: false, reason, decision: deny(reason, [], [], this.version) }
    }
    const decision = this.evaluate(request)
    if (decision.effect === 'allow') return { allowed: true, conditions: [], decision }
    if (decision.effect === 'allow_with_conditions') return { allowed: true, conditions: decision.conditions, decision }
    return { allowed: false, reason: decision.effect === 'deny' ? decision.reason : 'approval required', decision }
  }

  /** Obligations and audits of carrier policies that apply, found by asking again with the probe key set. */
  private conditions(mapped: CedarRequest): Condition[] | undefined {
    const answer = this.ask(mapped, { ...mapped.context, [PROBE_KEY]: true })
    if (answer === undefined) return undefined
    const out: Condition[] = []
    for (const id of [...answer.reasons].sort((a, b) => (this.set.info.get(a)?.index ?? 0) - (this.set.info.get(b)?.index ?? 0))) {
      const p = this.set.info.get(id)
      if (p === undefined) continue
      const mods = p.modifiers.length > 0 ? { modifiers: p.modifiers } : {}
      for (const name of p.obligations) out.push({ kind: 'obligation', name, ...mods })
      for (const name of p.audits) out.push({ kind: 'audit', name, ...mods })
    }
    return out
  }

  private ask(mapped: CedarRequest, context: CedarRequest['context']): { decision: 'allow' | 'deny'; reasons: string[]; errors: { policyId: string; message: string }[] } | undefined {
    let answer: AuthorizationAnswer
    try {
      answer = statefulIsAuthorized({
        principal: mapped.principal, action: mapped.action, resource: mapped.resource, context,
        entities: mapped.entities, preparsedPolicySetId: this.storeId, validateRequest: false,
      })
    } catch {
      return undefined
    }
    if (answer?.type !== 'success') return undefined
    const r = answer.response
    if ((r?.decision !== 'allow' && r?.decision !== 'deny') || !Array.isArray(r.diagnostics?.reason) || !Array.isArray(r.diagnostics?.errors)) return undefined
    return { decision: r.decision, reasons: r.diagnostics.reason, errors: r.diagnostics.errors.map((e) => ({ policyId: e.policyId, message: e.error?.message ?? 'error' })) }
  }
}

function ruleRef(id: string, index: number, effect: 'permit' | 'forbid'): DeterminingRule {
  return { policy: id, rule: index, kind: effect === 'permit' ? 'allow' : 'deny', span: { start: 0, end: 0 }, source: 'cedar' }
}

function deny(reason: string, determining: DeterminingRule[], errors: DecisionError[], version: number): Decision {
  return { effect: 'deny', reason, determining, errors, version }
}
