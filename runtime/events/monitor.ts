/**
 * The security monitor: every security event goes through `emit` — it gets an id and a time,
 * is appended to the audit chain (type `security_event`), is fed to the detectors (whose events
 * are emitted in turn), reaches the subscribers, and is handed to incident response. It also
 * holds the suspensions that incident response imposes, which every enforcement point checks
 * (EnforcerOptions.security).
 */
import { randomUUID } from 'node:crypto'
import type { AuditSink } from '../audit-sink.js'
import { DEFAULT_AUDIT_TIMEOUT_MS, withinBound } from '../bounded.js'
import type { Detector } from './detectors.js'
import { stampEvent, type SecurityEvent, type SecurityEventInput, type SecurityEventSink } from './security-event.js'
import { MemorySuspensions, type Suspension, type SuspensionStore } from './suspension-store.js'

/** Something that acts on events (incident response). */
export interface Responder {
  respond(event: SecurityEvent, monitor: SecurityMonitor): Promise<void>
}

export interface SecurityMonitorOptions {
  /** Where events are recorded; without one they are delivered but not chained. */
  readonly audit?: AuditSink
  readonly detectors?: readonly Detector[]
  readonly responder?: Responder
  readonly clock?: () => number
  /** Bound on each audit append (default 5 s). */
  readonly auditTimeoutMs?: number
  /**
   * Events being handled at once at most (default 10,000). Emitters do not wait for the monitor,
   * so a flood (forged messages, failed logins) would otherwise pile up appends in memory; past
   * the bound events are dropped — not recorded, not seen by detectors — and counted (`dropped`).
   */
  readonly maxPending?: number
  /**
   * Where suspensions are kept (default: this process's memory, lifted by a restart). A file or
   * PostgreSQL store keeps them across restarts, and the latter shares them between replicas.
   */
  readonly suspensions?: SuspensionStore
}

type Subscriber = (event: SecurityEvent) => void

/** Detector events raising detector events: bounded, so a misconfigured chain cannot loop. */
const MAX_CASCADE = 4

export class SecurityMonitor implements SecurityEventSink {
  private readonly subscribers = new Set<Subscriber>()
  private readonly suspensions: SuspensionStore
  private readonly clock: () => number
  private pending = 0
  private droppedCount = 0

  constructor(private readonly options: SecurityMonitorOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.suspensions = options.suspensions ?? new MemorySuspensions()
  }

  /** Delivers events to `f` until the returned function is called. */
  subscribe(f: Subscriber): () => void {
    this.subscribers.add(f)
    return () => void this.subscribers.delete(f)
  }

  /** Events dropped because too many were being handled at once. */
  get dropped(): number {
    return this.droppedCount
  }

  async emit(input: SecurityEventInput, depth = 0): Promise<SecurityEvent | undefined> {
    if (this.pending >= (this.options.maxPending ?? 10_000)) {
      this.droppedCount++
      return undefined
    }
    this.pending++
    try {
      return await this.handle(input, depth)
    } finally {
      this.pending--
    }
  }

  private async handle(input: SecurityEventInput, depth: number): Promise<SecurityEvent> {
    const event = stampEvent(input, randomUUID(), this.clock())
    await this.record(event.agent ?? 'security-monitor', 'security_event', { ...event, affected: [...event.affected], recommendedActions: [...event.recommendedActions], evidence: [...event.evidence] })
    for (const s of this.subscribers) {
      try {
        s(event)
      } catch {
        // A failing subscriber must not stop the others, nor the response.
      }
    }
    if (depth < MAX_CASCADE) {
      for (const d of this.options.detectors ?? []) {
        const raised = d.observe(event)
        // Detector events bypass the bound: they are few by construction and the reason to act.
        if (raised !== undefined) await this.handle(raised, depth + 1)
      }
    }
    await this.options.responder?.respond(event, this)
    return event
  }

  /** The agent's suspension, if it is suspended. */
  suspension(agent: string): Suspension | undefined {
    return this.suspensions.get(agent)
  }

  /** Agents suspended now, oldest first. */
  suspended(): Suspension[] {
    return this.suspensions.list()
  }

  /**
   * Suspends an agent (audited): every enforcement point denies it until `resume`. It takes
   * effect here even if the store then fails to persist it (that failure is thrown).
   */
  async suspend(agent: string, reason: string, event?: string): Promise<Suspension> {
    const existing = this.suspensions.get(agent)
    if (existing !== undefined) return existing
    const s: Suspension = event === undefined ? { agent, since: this.clock(), reason } : { agent, since: this.clock(), reason, event }
    // Recorded before it takes effect is not needed for safety (suspending only denies more),
    // but a suspension nobody can see in the chain would be unaccountable: record it first.
    await this.record(agent, 'incident_response', { action: 'suspend_agent', agent, reason, ...(event === undefined ? {} : { event }) })
    await withinBound(Promise.resolve().then(() => this.suspensions.put(s)), this.options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS, 'storing the suspension')
    return s
  }

  /**
   * Lifts a suspension; `by` and `reason` are recorded, then the store forgets it. Fails
   * (throws, the agent stays suspended) if the record or the store cannot be written.
   */
  async resume(agent: string, by: string, reason: string): Promise<boolean> {
    if (this.suspensions.get(agent) === undefined) return false
    if (by.trim() === '' || reason.trim() === '') throw new Error('a resume names who resumes and why')
    // Recorded before it takes effect: an unaudited resume must not happen.
    await this.record(agent, 'incident_response', { action: 'resume_agent', agent, by, reason })
    await withinBound(Promise.resolve().then(() => this.suspensions.remove(agent)), this.options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS, 'removing the suspension from its store')
    return true
  }

  /** Appends to the audit chain within the bound; a failure propagates (callers fail closed). */
  async record(agent: string, type: 'security_event' | 'incident_response', details: Record<string, unknown>): Promise<void> {
    if (this.options.audit === undefined) return
    await withinBound(this.options.audit.append({ agentId: agent, type, details: details as never }), this.options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS, 'audit append')
  }
}
