/**
 * Approvals as the HTTP API sees them: park a `require_approval` decision, list, show, approve,
 * reject. One in-process implementation over the runtime's ApprovalQueue; the PostgreSQL one
 * (shared by every replica) has the same shape.
 */
import { ApprovalError, ApprovalQueue, type ApprovalStatus } from '../runtime/approvals/approval-queue.js'
import type { AuditSink } from '../runtime/audit-sink.js'
import type { StoreHealth } from '../runtime/store-health.js'
import type { AuthzRequest, Decision, PolicyDecider } from '../stdlib/decision.js'

/** An approval as the API shows it. */
export interface ApprovalView {
  readonly id: string
  readonly agentId: string
  readonly request: AuthzRequest
  readonly approvers: readonly string[]
  readonly grantedBy: readonly string[]
  readonly status: ApprovalStatus
  /** The final decision once resolved. */
  readonly decision?: Decision
}

/** Why an approval call was refused. */
export class ApprovalRefused extends Error {
  override readonly name = 'ApprovalRefused'
  constructor(
    readonly kind: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message)
  }
}

/** Where parked requests live. */
export interface ApprovalBackend {
  /** Parks a request; returns the approval id. */
  park(request: AuthzRequest, decision: Decision & { effect: 'require_approval' }, agentId: string): Promise<string>
  list(): Promise<readonly ApprovalView[]>
  get(id: string): Promise<ApprovalView | undefined>
  approve(id: string, approver: string, reason: string | undefined): Promise<{ decision: Decision; approval: ApprovalView }>
  reject(id: string, by: string, reason: string | undefined): Promise<{ decision: Decision; approval: ApprovalView }>
  /** Waits (bounded) until `id` is resolved; what it is then, or undefined for an unknown id. */
  waitResolved(id: string, ms: number): Promise<ApprovalView | undefined>
  /** Requests still pending. */
  pendingCount(): Promise<number>
  /** Whether the store answered its last query, for `/v1/status` and readiness. */
  health(): StoreHealth
  close(): Promise<void>
}

/** Approvals held in this process (lost on restart; not shared with other replicas). */
export class MemoryApprovals implements ApprovalBackend {
  readonly #queue: ApprovalQueue
  readonly #finals = new Map<string, Decision>()
  readonly #tickets = new Map<string, Promise<Decision>>()

  constructor(decider: PolicyDecider, audit: AuditSink, options: { timeoutMs?: number } = {}) {
    this.#queue = new ApprovalQueue({ decider, audit, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) })
  }

  async park(request: AuthzRequest, decision: Decision & { effect: 'require_approval' }, agentId: string): Promise<string> {
    const ticket = this.#queue.submit(request, decision, agentId)
    this.#tickets.set(ticket.id, ticket.result)
    void ticket.result.then((d) => {
      this.#tickets.delete(ticket.id)
      this.#finals.set(ticket.id, d)
      // The queue forgets the oldest resolved ids; so does this map.
      if (this.#finals.size > 10_000) this.#finals.delete(this.#finals.keys().next().value as string)
    })
    return ticket.id
  }

  async list(): Promise<readonly ApprovalView[]> {
    return this.#queue.pending().map((p) => ({ ...p }))
  }

  async get(id: string): Promise<ApprovalView | undefined> {
    const p = this.#queue.get(id)
    if (p === undefined) return undefined
    const decision = this.#finals.get(id)
    return decision === undefined ? { ...p } : { ...p, decision }
  }

  async approve(id: string, approver: string): Promise<{ decision: Decision; approval: ApprovalView }> {
    const decision = await this.#run(() => this.#queue.approve(id, approver))
    return { decision, approval: (await this.get(id)) as ApprovalView }
  }

  async reject(id: string, by: string): Promise<{ decision: Decision; approval: ApprovalView }> {
    const decision = await this.#run(() => this.#queue.reject(id, by))
    return { decision, approval: (await this.get(id)) as ApprovalView }
  }

  async pendingCount(): Promise<number> {
    return this.#queue.pending().length
  }

  async waitResolved(id: string, ms: number): Promise<ApprovalView | undefined> {
    const ticket = this.#tickets.get(id)
    if (ticket !== undefined) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([ticket, new Promise((r) => (timer = setTimeout(r, ms)))])
      clearTimeout(timer)
    }
    return this.get(id)
  }

  health(): StoreHealth {
    return { kind: 'memory', ok: true }
  }

  async close(): Promise<void> {}

  async #run(f: () => Promise<Decision>): Promise<Decision> {
    try {
      return await f()
    } catch (e) {
      if (e instanceof ApprovalError) throw new ApprovalRefused(e.message.startsWith('unknown') ? 'not_found' : 'conflict', e.message)
      throw e
    }
  }
}
