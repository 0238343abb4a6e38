import type { ValueRecord } from '../stdlib/value.js'

/** Event types of the audit trail (RUNTIME.md "Audit trail"). */
export type AuditEventType =
  | 'agent_lifecycle'
  | 'policy_decision'
  | 'resource_allocation'
  | 'message'
  | 'tool_invocation'
  | 'security_violation'
  | 'approval'
  | 'sandbox_execution'
  | 'security_event'
  | 'incident_response'
  | 'policy_change'

/** What an enforcement point hands to the audit trail; the trail adds id, time and hashes. */
export interface AuditInput {
  /** The agent the event is about. */
  readonly agentId: string
  /** Event type. */
  readonly type: AuditEventType
  /** Event details; sensitive values must already be masked or will be masked by the sink. */
  readonly details: ValueRecord
}

/**
 * Where enforcement points write evidence. `append` resolves once the event is accepted
 * (durably, for durable stores); a rejected append must make the enforcement point fail closed.
 */
export interface AuditSink {
  append(event: AuditInput): Promise<unknown>
}
