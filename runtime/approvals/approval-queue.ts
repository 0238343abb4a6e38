import { randomUUID } from 'node:crypto'
import type { AuthzRequest, Decision, PolicyDecider } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import type { AuditSink } from '../audit-sink.js'
import { decideSafely } from '../enforce/decide.js'
import { actionName, syntheticDeny } from '../enforce/forbidden-error.js'
import type { Timers } from './timers.js'
import { DEFAULT_AUDIT_TIMEOUT_MS, withinBound } from '../bounded.js'
import { systemTimers } from './timers.js'

/** Default time a parked request waits for a decision before it is denied with reason `timeout`. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000

/** Where a parked request stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'rejected' | 'timed_out'

/** Options of an approval queue. */
export interface ApprovalQueueOptions {
  /** Decides the original request again once a grant is added. */
  readonly decider: PolicyDecider | undefined
  /** Receives one `approval` event per resolution. */
  readonly audit: AuditSink | undefined
  /** How long a request may stay parked; default 120 s. */
  readonly timeoutMs?: number
  /** Timeout for each re-evaluation by the decider; default 1 s. */
  readonly decisionTimeoutMs?: number
  /** Timer functions; default the process timers. */
  readonly timers?: Timers
  /** Clock for grant timestamps; default `Date.now`. */
  readonly clock?: () => number
  /** How many resolved requests are remembered (to answer `get` and refuse a second resolution); default 10 000. */
  readonly keepResolved?: number
}

/** A parked request as callers can see it. */
export interface PendingApproval {
  /** Approval id. */
  readonly id: string
  /** The original request, unchanged. */
  readonly request: AuthzRequest
  /** The agent the request is about. */
  readonly agentId: string
  /** The approvers the latest decision asks for. */
  readonly approvers: readonly string[]
  /** Approvers that granted so far (a grant may not have been enough). */
  readonly grantedBy: readonly string[]
  /** Where it stands. */
  readonly status: ApprovalStatus
}

/** What `submit` returns: the id to approve or reject, and the final decision once resolved. */
export interface ApprovalTicket {
  /** Approval id. */
  readonly id: string
  /** Resolves with the final decision: permitted after an approval the policy accepts, else a deny. Never rejects. */
  readonly result: Promise<Decision>
}

/** Misuse of the queue: an unknown id, a second resolution, a resolution still in progress. */
export class ApprovalError extends Error {
  override readonly name = 'ApprovalError'
}

interface Entry {
  id: string
  request: AuthzRequest
  agentId: string
  approvers: readonly string[]
  grants: ValueRecord[]
  status: ApprovalStatus
  busy: boolean
  final?: Decision
  timer: unknown
  resolve: (d: Decision) => void
}

/**
 * Parks `require_approval` decisions. Approval never bypasses policy: `approve` evaluates the
 * ORIGINAL request again with the grant appended to `context.approvals`; whatever the policy
 * answers then is the outcome (a further `require_approval` keeps the request parked).
 */
export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>()
  private readonly resolved: string[] = []
  private readonly timeoutMs: number
  private readonly timers: Timers
  private readonly clock: () => number

  constructor(private readonly options: ApprovalQueueOptions) {
    const t = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS
    if (!Number.isFinite(t) || t <= 0) throw new RangeError(`approval timeoutMs must be a positive number (got ${String(t)})`)
    this.timeoutMs = t
    this.timers = options.timers ?? systemTimers
    this.clock = options.clock ?? Date.now
  }

  /** Parks a request that the policy answered with `require_approval`. */
  submit(request: AuthzRequest, decision: Decision & { effect: 'require_approval' }, agentId: string): ApprovalTicket {
    const id = randomUUID()
    let resolve!: (d: Decision) => void
    const result = new Promise<Decision>((r) => (resolve = r))
    const entry: Entry = { id, request, agentId, approvers: decision.approvers, grants: [], status: 'pending', busy: false, timer: undefined, resolve }
    entry.timer = this.timers.setTimeout(() => void this.expire(entry), this.timeoutMs)
    this.entries.set(id, entry)
    return { id, result }
  }

  /**
   * Records `approver`'s grant and decides the original request again. Returns the new
   * decision; the request stays parked if the policy still asks for (another) approval.
   */
  async approve(id: string, approver: string): Promise<Decision> {
    if (typeof approver !== 'string' || approver === '') throw new ApprovalError('approve: approver must be a non-empty string')
    const entry = this.claim(id)
    entry.busy = true
    try {
      const grant: ValueRecord = { approver, approval_id: id, granted_at: new Date(this.clock()).toISOString() }
      entry.grants.push(grant)
      const decision = await decideSafely(this.options.decider, withGrants(entry.request, entry.grants), this.options.decisionTimeoutMs)
      if (entry.status !== 'pending') return entry.final ?? syntheticDeny('timeout')
      if (decision.effect === 'require_approval') {
        entry.approvers = decision.approvers
        await this.record(entry, 'still_pending', approver, `policy still requires approval by ${decision.approvers.join(', ')}`)
        return decision
      }
      const permitted = decision.effect !== 'deny'
      const why = decision.effect === 'deny' ? `denied after approval: ${decision.reason}` : 'approved'
      const audited = await this.record(entry, permitted ? 'approved' : 'denied', approver, why)
      const final = audited ? decision : syntheticDeny('audit append failed for approval resolution')
      this.finish(entry, permitted && audited ? 'approved' : 'denied', final)
      return final
    } finally {
      entry.busy = false
    }
  }

  /** Rejects a parked request: it is denied with reason `rejected by <who>`. */
  async reject(id: string, who: string): Promise<Decision> {
    if (typeof who !== 'string' || who === '') throw new ApprovalError('reject: rejecting party must be a non-empty string')
    const entry = this.claim(id)
    const reason = `rejected by ${who}`
    const final = syntheticDeny(reason)
    this.finish(entry, 'rejected', final)
    await this.record(entry, 'rejected', who, reason)
    return final
  }

  /** Requests still waiting. */
  pending(): readonly PendingApproval[] {
    return [...this.entries.values()].filter((e) => e.status === 'pending').map((e) => this.view(e))
  }

  /** One request by id, resolved or not; undefined for an unknown id. */
  get(id: string): PendingApproval | undefined {
    const e = this.entries.get(id)
    return e === undefined ? undefined : this.view(e)
  }

  private view(e: Entry): PendingApproval {
    return { id: e.id, request: e.request, agentId: e.agentId, approvers: e.approvers, grantedBy: e.grants.map((g) => String(g['approver'])), status: e.status }
  }

  private claim(id: string): Entry {
    const entry = this.entries.get(id)
    if (entry === undefined) throw new ApprovalError(`unknown approval id '${id}'`)
    if (entry.status !== 'pending') throw new ApprovalError(`approval '${id}' is already resolved (${entry.status})`)
    if (entry.busy) throw new ApprovalError(`approval '${id}' is being resolved`)
    return entry
  }

  private async expire(entry: Entry): Promise<void> {
    if (entry.status !== 'pending') return
    const final = syntheticDeny('timeout')
    this.finish(entry, 'timed_out', final)
    await this.record(entry, 'timed_out', 'system', 'timeout')
  }

  private finish(entry: Entry, status: ApprovalStatus, final: Decision): void {
    entry.status = status
    entry.final = final
    this.timers.clearTimeout(entry.timer)
    entry.resolve(final)
    // Bounded memory: the oldest resolved ids are forgotten; resolving one of them is then an unknown-id error.
    this.resolved.push(entry.id)
    if (this.resolved.length > (this.options.keepResolved ?? 10_000)) this.entries.delete(this.resolved.shift() as string)
  }

  /** Audits one resolution step; false when the sink is missing or refused the event. */
  private async record(entry: Entry, outcome: string, by: string, reason: string): Promise<boolean> {
    const sink = this.options.audit
    if (sink === undefined) return false
    const details: Record<string, Value> = { approval_id: entry.id, outcome, by, reason, action: actionName(entry.request.action) }
    if (entry.request.resource !== undefined) details['resource'] = entry.request.resource.id
    try {
      await withinBound(sink.append({ agentId: entry.agentId, type: 'approval', details }), DEFAULT_AUDIT_TIMEOUT_MS, 'audit append')
      return true
    } catch {
      return false
    }
  }
}

/** The original request with the grants appended to `context.approvals` (existing grants kept). */
export function withGrants(request: AuthzRequest, grants: readonly ValueRecord[]): AuthzRequest {
  const context = request.context ?? {}
  const existing = context['approvals']
  const prior: readonly Value[] = Array.isArray(existing) ? existing : existing === undefined ? [] : [existing]
  return { ...request, context: { ...context, approvals: [...prior, ...grants] } }
}
