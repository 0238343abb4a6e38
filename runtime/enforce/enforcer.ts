import type { AuthzRequest, Condition, Decision, PolicyDecider } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import type { ApprovalQueue } from '../approvals/approval-queue.js'
import type { AuditEventType, AuditInput, AuditSink } from '../audit-sink.js'
import { DEFAULT_AUDIT_TIMEOUT_MS, withinBound } from '../bounded.js'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { DEFAULT_DECISION_TIMEOUT_MS, decideSafely } from './decide.js'
import type { SecurityEventInput } from '../events/security-event.js'
import { suspendedReason } from '../events/suspension-store.js'
import type { EnforcementPoint } from './forbidden-error.js'
import { ForbiddenError, actionName, syntheticDeny } from './forbidden-error.js'

const tracer = trace.getTracer('symbi-policy')

/** How an enforcer reaches its engine, its audit trail and its approval queue. */
export interface EnforcerOptions {
  /** The policy engine; a missing engine denies everything. */
  readonly decider: PolicyDecider | undefined
  /** The audit trail; a missing sink or a failed append denies. */
  readonly audit: AuditSink | undefined
  /** Time an asynchronous decider gets; default 1000 ms. */
  readonly timeoutMs?: number
  /**
   * Time an audit append gets before it counts as failed (a deny): an append that never
   * settles must not hang the request (RUNTIME.md "Audit trail"). Default 5000 ms.
   */
  readonly auditTimeoutMs?: number
  /** Where `require_approval` decisions are parked; without one they are denied. */
  readonly approvals?: ApprovalQueue
  /** Told the approval id when a request is parked, so a UI can route it to an approver. */
  readonly onApprovalPending?: (id: string, request: AuthzRequest, decision: Decision) => void
  /**
   * Security monitoring (runtime/events): a suspended agent is denied here before the engine is
   * asked, and every deny is reported as a `policy_violation` event.
   */
  readonly security?: EnforcementSecurity
}

/** What an enforcer needs of the security monitor. */
export interface EnforcementSecurity {
  suspension(agent: string): { readonly since: number; readonly reason: string } | undefined
  emit(event: SecurityEventInput): Promise<unknown>
}

/** One question from an enforcement point. */
export interface PointRequest {
  /** Which enforcement point asks. */
  readonly point: EnforcementPoint
  /** The agent the audit event is about. */
  readonly agentId: string
  /** The authorization request. */
  readonly request: AuthzRequest
  /** Audit event type; default `policy_decision`. */
  readonly auditType?: AuditEventType
  /** Extra audit details; must already be masked. */
  readonly details?: ValueRecord
}

/** A permitted decision and what the caller has to carry out. */
export interface Authorization {
  /** The decision, `allow` or `allow_with_conditions`. */
  readonly decision: Decision
  /** Conditions to carry out (obligations and audit obligations); empty for a plain allow. */
  readonly conditions: readonly Condition[]
  /** The approval id, when the request went through the approval queue. */
  readonly approvalId?: string
}

/** The result of a guarded operation together with its authorization. */
export interface Enforced<T> extends Authorization {
  /** What the guarded operation returned. */
  readonly value: T
}

/**
 * The one shape every enforcement point follows: request → decision → carry out → audit,
 * all before the guarded operation runs. `authorize` throws `ForbiddenError` on every
 * outcome that is not a clear, audited permit.
 */
export class Enforcer {
  private readonly timeoutMs: number
  private readonly auditTimeoutMs: number

  constructor(private readonly options: EnforcerOptions) {
    const t = options.timeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS
    if (!Number.isFinite(t) || t <= 0) throw new RangeError(`enforcer timeoutMs must be a positive number (got ${String(t)})`)
    this.timeoutMs = t
    const a = options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS
    if (!Number.isFinite(a) || a <= 0) throw new RangeError(`enforcer auditTimeoutMs must be a positive number (got ${String(a)})`)
    this.auditTimeoutMs = a
  }

  /**
   * Decides, parks for approval when asked to, audits, and throws `ForbiddenError` unless
   * permitted. Whatever else goes wrong on the way (a decision whose fields throw when read, a
   * request object that throws) is a `ForbiddenError` too: the one way a caller learns "no".
   */
  async authorize(p: PointRequest): Promise<Authorization> {
    // A span per enforcement: a no-op unless the host registers an OpenTelemetry SDK. Not made
    // the active span (no context switch) — nothing below starts spans of its own.
    const span = tracer.startSpan(`symbi.enforce.${p.point}`, { attributes: { 'symbi.point': p.point, 'symbi.agent': p.agentId } })
    try {
      const auth = await this.authorizeUnchecked(p)
      span.setAttribute('symbi.effect', auth.decision.effect)
      return auth
    } catch (e) {
      span.setAttribute('symbi.effect', 'deny')
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof ForbiddenError ? 'forbidden' : 'enforcement failed' })
      if (e instanceof ForbiddenError) throw e
      const reason = `enforcement failed: ${describeError(e)}`
      let action = '?'
      try {
        action = actionName(p.request.action)
      } catch {
        // The request itself is what throws; the reason says enough.
      }
      throw new ForbiddenError(p.point, action, undefined, reason, syntheticDeny(reason))
    } finally {
      span.end()
    }
  }

  private async authorizeUnchecked(p: PointRequest): Promise<Authorization> {
    const suspended = this.options.security?.suspension(p.agentId)
    if (suspended !== undefined) {
      // Decided without the engine: no policy can let a suspended agent through.
      const reason = suspendedReason({ ...suspended, agent: p.agentId })
      const decision = syntheticDeny(reason)
      await this.audit(p, decision, undefined)
      throw this.forbidden(p, reason, decision)
    }
    let decision = await decideSafely(this.options.decider, p.request, this.timeoutMs)
    await this.audit(p, decision, undefined)
    let approvalId: string | undefined
    if (decision.effect === 'require_approval') {
      const queue = this.options.approvals
      if (queue === undefined) {
        decision = syntheticDeny(`approval required from ${decision.approvers.join(', ')} but no approval queue is configured`)
      } else {
        const ticket = queue.submit(p.request, decision, p.agentId)
        approvalId = ticket.id
        try {
          this.options.onApprovalPending?.(ticket.id, p.request, decision)
        } catch {
          // A failing notifier must not strand the request: it still resolves by approval, rejection or timeout.
        }
        decision = await ticket.result
      }
      await this.audit(p, decision, approvalId)
    }
    if (decision.effect !== 'allow' && decision.effect !== 'allow_with_conditions') {
      const reason = decision.effect === 'deny' ? decision.reason : `unexpected ${decision.effect} after approval`
      await this.reportViolation(p, reason)
      throw this.forbidden(p, reason, decision)
    }
    const conditions = decision.effect === 'allow_with_conditions' ? decision.conditions : []
    return approvalId === undefined ? { decision, conditions } : { decision, conditions, approvalId }
  }

  /** Authorizes, then runs `operation` (only when permitted) with the authorization it got. */
  async guard<T>(p: PointRequest, operation: (auth: Authorization) => T | Promise<T>): Promise<Enforced<T>> {
    const auth = await this.authorize(p)
    const value = await operation(auth)
    // Spelled out: `{ ...auth, value }` measured ~5 µs on Node 20 (object spread plus a new key takes a slow path).
    return auth.approvalId === undefined ? { decision: auth.decision, conditions: auth.conditions, value } : { decision: auth.decision, conditions: auth.conditions, approvalId: auth.approvalId, value }
  }

  /**
   * Appends an event that is not a decision, such as a blocked tool. The operation is refused
   * whatever happens here, so a failed append is reported (false) rather than thrown.
   */
  async report(event: AuditInput): Promise<boolean> {
    try {
      await withinBound(this.options.audit?.append(event), this.auditTimeoutMs, 'audit append')
      return this.options.audit !== undefined
    } catch {
      return false
    }
  }

  /** Writes the decision event; any failure to do so is a deny. */
  private async audit(p: PointRequest, decision: Decision, approvalId: string | undefined): Promise<void> {
    const sink = this.options.audit
    if (sink === undefined || sink === null || typeof sink.append !== 'function') {
      throw this.forbidden(p, 'audit trail unavailable', syntheticDeny('audit trail unavailable'))
    }
    try {
      await withinBound(sink.append({ agentId: p.agentId, type: p.auditType ?? 'policy_decision', details: decisionDetails(p, decision, approvalId) }), this.auditTimeoutMs, 'audit append')
    } catch (e) {
      const reason = `audit append failed: ${e instanceof Error ? e.message : String(e)}`
      throw this.forbidden(p, reason, syntheticDeny(reason))
    }
  }

  /** A deny is a security event; reporting it can fail without changing the deny. */
  private async reportViolation(p: PointRequest, reason: string): Promise<void> {
    const security = this.options.security
    if (security === undefined) return
    try {
      const action = actionName(p.request.action)
      await withinBound(
        security.emit({ severity: 'warning', category: 'policy_violation', description: `${p.point}: '${action}' denied for '${p.agentId}': ${reason}`, agent: p.agentId, affected: [p.agentId, p.point], source: `enforcer:${p.point}` }),
        this.auditTimeoutMs,
        'security event',
      )
    } catch {
      // The request is denied either way; a monitor that fails must not turn a deny into an error.
    }
  }

  private forbidden(p: PointRequest, reason: string, decision: Decision): ForbiddenError {
    return new ForbiddenError(p.point, actionName(p.request.action), p.request.resource?.id, reason, decision)
  }
}

function describeError(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e)
  } catch {
    return 'an unprintable value was thrown'
  }
}

/** The audit details of a decision: what was asked, what was decided, and which rules decided it. */
export function decisionDetails(p: PointRequest, decision: Decision, approvalId: string | undefined): ValueRecord {
  const d: Record<string, Value> = {
    point: p.point,
    principal: p.request.principal.id,
    action: actionName(p.request.action),
    effect: decision.effect,
    policy_version: decision.version,
    determining: decision.determining.map((r) => ({ policy: String(r?.policy), rule: Number(r?.rule), kind: String(r?.kind) })),
  }
  if (p.request.resource !== undefined) d['resource'] = p.request.resource.id
  if (approvalId !== undefined) d['approval_id'] = approvalId
  if (decision.effect === 'deny') d['reason'] = decision.reason
  if (decision.effect === 'require_approval') d['approvers'] = [...decision.approvers]
  if (decision.effect === 'allow_with_conditions') {
    d['conditions'] = decision.conditions.map(conditionValue)
    d['audit_conditions'] = decision.conditions.filter((c) => c.kind === 'audit').map(conditionValue)
  }
  if (decision.errors.length > 0) d['errors'] = decision.errors.map((e) => ({ code: String(e?.code), message: String(e?.message) }))
  // Point details never overwrite the core fields. A loop, not `{ ...details, … }`, which measured ~5 µs on Node 20.
  const extra = p.details
  if (extra !== undefined) for (const k of Object.keys(extra)) if (!Object.hasOwn(d, k)) d[k] = extra[k] as Value
  return d
}

function conditionValue(c: Condition): ValueRecord {
  const v: Record<string, Value> = { kind: c.kind, name: c.name }
  if (c.value !== undefined) v['value'] = c.value
  if (c.modifiers !== undefined) v['modifiers'] = [...c.modifiers]
  return v
}
