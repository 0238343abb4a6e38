/**
 * One shape for everything security-relevant that happens (OPERATIONS.md "Security events"):
 * emitted by enforcement points and verifiers, recorded in the audit chain, fed to detectors
 * and to incident response.
 */

/** Severity, lowest first; also a ladder for response policies (`event.severity >= "error"`). */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export type SecurityCategory =
  | 'policy_violation'
  | 'signature_failure'
  | 'tofu_failure'
  | 'scanner_block'
  | 'sandbox_kill'
  | 'egress_refused'
  | 'auth_failure'
  | 'audit_tamper'
  | 'repeated_denies'
  | 'signature_failure_burst'
  | 'resource_anomaly'
  | 'incident_response'

export interface SecurityEvent {
  readonly id: string
  /** Epoch ms. */
  readonly time: number
  readonly severity: Severity
  readonly category: SecurityCategory
  readonly description: string
  /** The agent the event is about, when there is one. */
  readonly agent?: string
  /** Components affected: agent ids, key ids, skill names, enforcement points. */
  readonly affected: readonly string[]
  readonly recommendedActions: readonly string[]
  /** Ids of audit events that are the evidence (the decision that was denied, …). */
  readonly evidence: readonly string[]
  /** Detector or emitter that raised it. */
  readonly source: string
}

/** What an emitter supplies; the monitor adds id and time. */
export type SecurityEventInput = Omit<SecurityEvent, 'id' | 'time' | 'affected' | 'recommendedActions' | 'evidence'> & {
  readonly affected?: readonly string[]
  readonly recommendedActions?: readonly string[]
  readonly evidence?: readonly string[]
}

/** Receives security events (subscribers, the enforcer's hook). */
export interface SecurityEventSink {
  emit(event: SecurityEventInput): Promise<SecurityEvent | undefined>
}

/** The full event for `input`, with its id and time (copies the lists: the event is kept). */
export function stampEvent(input: SecurityEventInput, id: string, time: number): SecurityEvent {
  return {
    id,
    time,
    severity: input.severity,
    category: input.category,
    description: input.description,
    affected: [...(input.affected ?? [])],
    recommendedActions: [...(input.recommendedActions ?? [])],
    evidence: [...(input.evidence ?? [])],
    source: input.source,
    ...(input.agent === undefined ? {} : { agent: input.agent }),
  }
}
