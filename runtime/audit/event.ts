import type { AuditEventType } from '../audit-sink.js'
import type { ValueRecord } from '../../stdlib/value.js'

/** Record type of a signed checkpoint over the chain head (checkpoint mode). */
export const CHECKPOINT_TYPE = 'checkpoint'

/**
 * Record type of the signed record that opens every signing writer session and names its
 * signing mode (RUNTIME.md: the mode is a signed fact of the log, so records cannot be
 * downgraded from every-event signatures to checkpoint coverage).
 */
export const SESSION_TYPE = 'session_start'

/** Every record type a log may hold: the enforcement event types plus checkpoints and session starts. */
export type AuditRecordType = AuditEventType | typeof CHECKPOINT_TYPE | typeof SESSION_TYPE

/** `details` of a session-start record: the mode, and in checkpoint mode the interval verify enforces. */
export interface SessionDetails extends ValueRecord {
  /** `every`: every record of the session is signed; `checkpoint`: signed checkpoints cover runs. */
  readonly mode: 'every' | 'checkpoint'
  /** Checkpoint mode only: the longest unsigned run, and the timer. */
  readonly interval?: { readonly events: number; readonly ms: number }
}

/** The `agentId` written on checkpoint records: they are about the trail, not an agent. */
export const CHECKPOINT_AGENT = 'symbi-audit'

/**
 * `previousHash` of the first record: 64 zero hex digits. Fixed so that a log's first record
 * cannot be preceded by anything without breaking its link.
 */
export const GENESIS_HASH = '0'.repeat(64)

/** One stored record of the audit trail (docs/audit.md "Event format"). */
export interface AuditEvent {
  /** Unique id (a random UUID). */
  readonly id: string
  /** Writer's clock, ISO 8601 UTC with milliseconds. */
  readonly timestamp: string
  /** The agent the event is about ({@link CHECKPOINT_AGENT} for checkpoints). */
  readonly agentId: string
  /** Event type. */
  readonly type: AuditRecordType
  /** Masked event details. */
  readonly details: ValueRecord
  /** `hash` of the record before, {@link GENESIS_HASH} for the first. */
  readonly previousHash: string
  /** Lower-case hex SHA-256 of `previousHash ‖ canonical(event)`. */
  readonly hash: string
  /** Lower-case hex Ed25519 signature over the hash (see `signing.ts`); absent on unsigned records. */
  readonly signature?: string
}

/** `details` of a checkpoint record. */
export interface CheckpointDetails extends ValueRecord {
  /** The chain head the checkpoint signs (equals the record's `previousHash`). */
  readonly head: string
  /** The checkpoint's own position in the log (number of records before it). */
  readonly index: number
  /** The writer's checkpoint policy; `events` bounds the unsigned run a verifier accepts. */
  readonly interval: { readonly events: number; readonly ms: number }
}

/**
 * The one line a record occupies in a log file, without the trailing newline. Field order is
 * fixed so that the file form of a record is unique and every byte of a log file matters.
 */
export function serializeEvent(e: AuditEvent): string {
  // Concatenation instead of stringifying a re-ordered copy, and no escaping pass for the ids,
  // times and hex fields that never need it: the JSON line was the largest cost in the profile.
  const head = `{"id":${q(e.id)},"timestamp":${q(e.timestamp)},"agentId":${JSON.stringify(e.agentId)},"type":${q(e.type)},"details":${JSON.stringify(e.details)}`
  const tail = `,"previousHash":${q(e.previousHash)},"hash":${q(e.hash)}`
  return e.signature === undefined ? `${head}${tail}}` : `${head}${tail},"signature":${q(e.signature)}}`
}

const PLAIN = /^[0-9A-Za-z:._-]*$/

/** JSON string literal; identical to `JSON.stringify(s)`, cheaper for strings that need no escapes. */
function q(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s)
}
