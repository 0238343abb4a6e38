/**
 * One pass of deciding for the HTTP API: validate every request (naming the bad field), decide
 * them against one engine version, park approvals, append the audit events and wait for them,
 * then log. A failure after the decision (parking, audit) turns that decision into a deny: the
 * service never answers allow for something it could not record.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { normalizeRequest, RequestError } from '../compiler/request.js'
import type { Engine } from '../runtime/engine.js'
import { withinBound } from '../runtime/bounded.js'
import { maskSensitive } from '../runtime/masking.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'
import type { Value, ValueRecord } from '../stdlib/value.js'
import { suspendedReason, type Suspension } from '../runtime/events/suspension-store.js'
import type { ApprovalBackend } from './approvals.js'
import { principalId } from './suspended.js'
import type { ServiceAudit } from './audit.js'
import type { DecisionLog } from './decision-log.js'
import { ServiceError } from './errors.js'
import type { ServiceMetrics } from './metrics.js'

/** A decision as the API answers it. */
export type ServedDecision = Decision & { readonly decisionId: string; readonly approvalId?: string }

/** What deciding needs. */
export interface DecideContext {
  readonly engine: Engine
  readonly revision: string | undefined
  readonly audit: ServiceAudit
  readonly approvals: ApprovalBackend
  readonly metrics: ServiceMetrics
  readonly decisionLog: DecisionLog | undefined
  readonly auditTimeoutMs: number
  /** The agent's suspension (incident response), if it is suspended: its requests are denied without a policy. */
  readonly suspended: ((agent: string) => Suspension | undefined) | undefined
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Checks one request as `eval` does; throws a 400 naming the field (prefixed by `where` in a batch). */
export function validateRequest(body: unknown, engine: Engine, where: string): AuthzRequest {
  const at = (field: string): string => (where === '' ? field : `${where}.${field}`)
  if (!isRecord(body)) throw new ServiceError(400, 'bad_request', `${where === '' ? 'request body' : where} must be a JSON object (an AuthzRequest)`)
  const context = body['context']
  // Grants reach a policy only through /v1/approvals: a caller who could put them in the
  // request could approve itself.
  if (isRecord(context) && Object.hasOwn(context, 'approvals')) {
    throw new ServiceError(400, 'bad_request', `field '${at('context.approvals')}': approvals are granted through /v1/approvals/{id}/approve, not sent with a request`)
  }
  try {
    normalizeRequest(body as unknown as AuthzRequest, engine.policySet?.checked.vocabulary ?? { groupsOf: new Map() })
  } catch (e) {
    if (e instanceof RequestError) throw new ServiceError(400, 'bad_request', `field '${at(e.field)}': ${e.message}`)
    throw e
  }
  return body as unknown as AuthzRequest
}

function deny(reason: string, version: number): Decision {
  return { effect: 'deny', reason, determining: [], errors: [], version }
}

/** One decided request as the API answers it, before it is written as JSON. */
export interface Served {
  readonly decision: Decision
  readonly decisionId: string
  readonly approvalId?: string
}

/**
 * Decides `requests` (already validated) against one engine version. Synchronous when nothing
 * has to be waited for (no audit store, no approval to park), so the common answer costs no
 * promise per decision; otherwise a promise of the same list.
 */
export function decideAll(ctx: DecideContext, requests: readonly AuthzRequest[], explain: boolean): Served[] | Promise<Served[]> {
  const t0 = performance.now()
  const decisions = ctx.engine.evaluateBatch(requests, explain ? { explain: true } : undefined)
  if (ctx.suspended !== undefined) {
    for (let i = 0; i < decisions.length; i++) {
      const s = ctx.suspended(principalId(requests[i] as AuthzRequest))
      if (s !== undefined) decisions[i] = deny(suspendedReason(s), (decisions[i] as Decision).version)
    }
  }
  const perDecisionMs = (performance.now() - t0) / Math.max(1, requests.length)
  const out: Served[] = []
  let waits: Promise<void>[] | undefined
  for (let i = 0; i < decisions.length; i++) {
    const request = requests[i] as AuthzRequest
    const decided = decisions[i] as Decision
    if (ctx.audit.enabled || decided.effect === 'require_approval') {
      const at = out.length
      out.push(undefined as unknown as Served)
      ;(waits ??= []).push(serveRecorded(ctx, request, decided, perDecisionMs).then((s) => void (out[at] = s)))
    } else {
      out.push(served(ctx, request, decided, randomUUID(), undefined, perDecisionMs))
    }
  }
  return waits === undefined ? out : Promise.all(waits).then(() => out)
}

/** Parks an approval and appends the audit event, then serves; a failure of either turns the decision into a deny. */
async function serveRecorded(ctx: DecideContext, request: AuthzRequest, decided: Decision, perDecisionMs: number): Promise<Served> {
  const decisionId = randomUUID()
  let decision = decided
  let approvalId: string | undefined
  if (decision.effect === 'require_approval') {
    try {
      approvalId = await withinBound(ctx.approvals.park(request, decision, principalId(request)), ctx.auditTimeoutMs, 'parking the approval')
    } catch (e) {
      decision = deny(`approval_unavailable: ${e instanceof Error ? e.message : String(e)}`, decision.version)
    }
  }
  if (ctx.audit.enabled) {
    const details: ValueRecord = {
      decision_id: decisionId,
      request: maskSensitive(request as unknown as Value),
      effect: decision.effect,
      version: decision.version,
      determining: decision.determining.map((x) => `${x.policy}[${x.rule}]`),
      ...(decision.effect === 'deny' ? { reason: decision.reason } : {}),
      ...(approvalId !== undefined ? { approval_id: approvalId } : {}),
      ...(ctx.revision !== undefined ? { revision: ctx.revision } : {}),
    }
    const a0 = performance.now()
    try {
      await withinBound(ctx.audit.append({ agentId: principalId(request), type: 'policy_decision', details }), ctx.auditTimeoutMs, 'audit append')
      ctx.metrics.auditSeconds.observe((performance.now() - a0) / 1000)
    } catch (e) {
      ctx.metrics.auditFailures.inc()
      decision = deny(`audit_unavailable: ${e instanceof Error ? e.message : String(e)}`, decision.version)
      if (approvalId !== undefined) {
        // The caller is told "deny", so the parked request must not stay approvable: an
        // approver acting on it later would grant what was never recorded.
        await withinBound(ctx.approvals.reject(approvalId, 'symbi-policy', 'withdrawn: the decision to park it could not be audited'), ctx.auditTimeoutMs, 'withdrawing the approval').catch(() => undefined)
      }
      approvalId = undefined
    }
  }
  return served(ctx, request, decision, decisionId, approvalId, perDecisionMs)
}

/** Counts and logs a final decision. */
function served(ctx: DecideContext, request: AuthzRequest, decision: Decision, decisionId: string, approvalId: string | undefined, perDecisionMs: number): Served {
  ctx.metrics.decided(decision.effect, perDecisionMs / 1000)
  ctx.decisionLog?.write({ decisionId, request, decision, revision: ctx.revision, latencyMs: perDecisionMs })
  return approvalId === undefined ? { decision, decisionId } : { decision, decisionId, approvalId }
}
