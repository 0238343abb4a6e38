/**
 * `audit_tamper` (OPERATIONS.md "Security events": tamper found by `audit verify`): a failed
 * verification of an audit chain, as a security event. Anything that verifies a chain — the
 * `audit verify` command, a host checking its log on a schedule — reports through this one
 * mapping, so every consumer sees the same category, severity and advice.
 */
import type { AuditVerifyCode, AuditVerifyFailure } from '../audit/verify.js'
import type { Severity, SecurityEventInput } from './security-event.js'

/**
 * A torn last record is what a crash in the middle of an append leaves behind; everything else
 * means the chain was changed, cut, or signed by a key that is not trusted.
 */
const SEVERITY: Readonly<Record<AuditVerifyCode, Severity>> = {
  AUDIT_MALFORMED_RECORD: 'critical',
  AUDIT_TORN_RECORD: 'error',
  AUDIT_HASH_MISMATCH: 'critical',
  AUDIT_BROKEN_LINK: 'critical',
  AUDIT_REORDERED: 'critical',
  AUDIT_INSERTED: 'critical',
  AUDIT_BAD_SIGNATURE: 'critical',
  AUDIT_MISSING_SIGNATURE: 'critical',
  AUDIT_MISSING_CHECKPOINT: 'critical',
  AUDIT_BAD_CHECKPOINT: 'critical',
  AUDIT_TRUNCATED: 'critical',
  AUDIT_UNSIGNED_TAIL: 'error',
  AUDIT_MODE_DOWNGRADE: 'critical',
  AUDIT_BAD_SESSION: 'critical',
  AUDIT_KEY_NOT_TRUSTED: 'critical',
  AUDIT_BAD_TOMBSTONE: 'critical',
}

/**
 * The event for a failed verification of the chain named `chain` (a log path, or
 * `postgres:<chain id>`); `source` names the verifier.
 */
export function tamperEvent(failure: AuditVerifyFailure, chain: string, source = 'audit verify'): SecurityEventInput {
  return {
    severity: SEVERITY[failure.code],
    category: 'audit_tamper',
    description: `audit chain ${chain} failed verification at record ${failure.index}: ${failure.code}: ${failure.message}`,
    affected: [`audit:${chain}`],
    recommendedActions: [
      'preserve the log and its backups as they are, before anything appends to them',
      'compare the head with the last anchored head hash (audit verify --anchor)',
      'find who could write to the log or its database between the last good verification and now',
    ],
    source,
  }
}
