import type { AuthzRequest, Condition, Decision, Entity } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import { callerContext, setAuthoritative } from './caller-context.js'
import { maskSensitive } from '../masking.js'
import type { Enforcer } from './enforcer.js'
import { ForbiddenError, syntheticDeny } from './forbidden-error.js'

/** An action an agent's reasoning loop proposes to take next. */
export type ProposedAction =
  | { readonly kind: 'tool_call'; readonly tool: string; readonly arguments?: ValueRecord }
  | { readonly kind: 'delegate'; readonly target: string; readonly topic?: string }
  | { readonly kind: 'respond'; readonly content?: string }
  | { readonly kind: 'terminate'; readonly reason?: string }

/** A gate's answer: go ahead (carrying out the conditions) or do not, with the reason. */
export type GateDecision =
  | { readonly allowed: true; readonly conditions: readonly Condition[]; readonly decision: Decision }
  | { readonly allowed: false; readonly reason: string; readonly decision: Decision }

/** Decides each action a reasoning loop proposes, before the loop carries it out. */
export interface PolicyGate {
  /** Decides one proposed action of `agent`. Never throws: every failure is a deny. */
  evaluateAction(proposed: ProposedAction, agent: Entity, context?: ValueRecord): Promise<GateDecision>
}

/**
 * A `PolicyGate` over any `PolicyDecider`, through an `Enforcer` (so it times out, audits and
 * parks approvals like every other point). The request for each proposal:
 * `tool_call` → `tool_call::<tool>` on `{id: tool, type: 'tool'}` with the arguments as
 * argument 1 and `context.arguments`; `delegate` → `delegate` on the target agent;
 * `respond` / `terminate` → that action with no resource.
 */
export class DeciderPolicyGate implements PolicyGate {
  constructor(private readonly enforcer: Enforcer) {}

  /** Decides one proposal through the enforcer; a `ForbiddenError` or bad input becomes `{ allowed: false }`. */
  async evaluateAction(proposed: ProposedAction, agent: Entity, context?: ValueRecord): Promise<GateDecision> {
    try {
      const { request, details } = proposalRequest(proposed, agent, context)
      const auth = await this.enforcer.authorize({ point: 'reasoning_loop', agentId: agent.id, details, request })
      return { allowed: true, conditions: auth.conditions, decision: auth.decision }
    } catch (e) {
      if (e instanceof ForbiddenError) return { allowed: false, reason: e.reason, decision: e.decision }
      const reason = `invalid proposed action: ${e instanceof Error ? e.message : String(e)}`
      return { allowed: false, reason, decision: syntheticDeny(reason) }
    }
  }
}

/** The authorization request (and masked audit details) for one proposed action. */
export function proposalRequest(proposed: ProposedAction, agent: Entity, context: ValueRecord | undefined): { request: AuthzRequest; details: ValueRecord } {
  if (typeof agent?.id !== 'string' || agent.id === '') throw new Error('agent must be an entity with a non-empty string id')
  const ctx = callerContext(context, `proposed ${String((proposed as { kind?: unknown } | undefined)?.kind)}`, ['arguments', 'sender', 'recipient', 'topic'])
  switch (proposed?.kind) {
    case 'tool_call': {
      if (typeof proposed.tool !== 'string' || proposed.tool === '') throw new Error('tool_call: tool must be a non-empty string')
      const args = proposed.arguments ?? {}
      const resource: Entity = { id: proposed.tool, type: 'tool' }
      setAuthoritative(ctx, 'arguments', args)
      return {
        request: { principal: agent, action: { name: `tool_call::${proposed.tool}`, args: [resource, args] }, resource, context: ctx },
        details: { proposal: 'tool_call', tool: proposed.tool, arguments: maskSensitive(args) as Value },
      }
    }
    case 'delegate': {
      if (typeof proposed.target !== 'string' || proposed.target === '') throw new Error('delegate: target must be a non-empty string')
      const resource: Entity = { id: proposed.target, type: 'agent' }
      setAuthoritative(ctx, 'sender', agent.id)
      setAuthoritative(ctx, 'recipient', proposed.target)
      setAuthoritative(ctx, 'topic', proposed.topic ?? '')
      return { request: { principal: agent, action: { name: 'delegate', args: [resource] }, resource, context: ctx }, details: { proposal: 'delegate', target: proposed.target } }
    }
    case 'respond':
    case 'terminate':
      return { request: { principal: agent, action: proposed.kind, context: ctx }, details: { proposal: proposed.kind } }
    default:
      throw new Error(`unknown proposal kind ${JSON.stringify((proposed as { kind?: unknown } | undefined)?.kind ?? null)}`)
  }
}
