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

/**
 * Record type of the signed record that replaces records deleted by retention
 * (retention.ts): it opens the log, names how many records were deleted and the hash of the
 * last one, so the first kept record still links, and carries the signing session in effect
 * at the cut. Only ever the first record of a log.
 */
export const TOMBSTONE_TYPE = 'retention_tombstone'

/** Every record type a log may hold: the enforcement event types plus checkpoints, session starts and a tombstone. */
export type AuditRecordType = AuditEventType | typeof CHECKPOINT_TYPE | typeof SESSION_TYPE | typeof TOMBSTONE_TYPE

/** `details` of a retention tombstone. */
export interface TombstoneDetails extends ValueRecord {
  /** Records deleted (all those before the first kept one). */
  readonly deleted: number
  /** `hash` of the last deleted record: the first kept record's `previousHash`. */
  readonly last_hash: string
  /** Timestamps of the first and last deleted record. */
  readonly first_at: string
  readonly last_at: string
  /** The signing session in effect after the last deleted record (null: none had started). */
  readonly session: SessionDetails | null
  /** SHA-256 of the archive the deleted records were moved to, when they were archived. */
  readonly archive_sha256: string | null
}

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
