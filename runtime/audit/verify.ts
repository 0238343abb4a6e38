import type { KeyObject } from 'node:crypto'
import { CanonicalError, chainHash } from './canonical.js'
import { CHECKPOINT_TYPE, GENESIS_HASH, type AuditEvent } from './event.js'
import { loadPublicKey, type PublicKeyInput } from './keys.js'
import { checkCheckpointDetails, checkRecordShape, isHashHex } from './record-shape.js'
import { verifyHashSignature } from './signing.js'

/** Stable reason codes of a failed verification (docs/audit.md "Verify reasons"). */
export type AuditVerifyCode =
  | 'AUDIT_MALFORMED_RECORD'
  | 'AUDIT_TORN_RECORD'
  | 'AUDIT_HASH_MISMATCH'
  | 'AUDIT_BROKEN_LINK'
  | 'AUDIT_REORDERED'
  | 'AUDIT_INSERTED'
  | 'AUDIT_BAD_SIGNATURE'
  | 'AUDIT_MISSING_SIGNATURE'
  | 'AUDIT_MISSING_CHECKPOINT'
  | 'AUDIT_BAD_CHECKPOINT'
  | 'AUDIT_TRUNCATED'

/** Options of a verification. */
export interface AuditVerifyOptions {
  /** Ed25519 public key; when given every signature is checked and every record must be covered by one. */
  readonly publicKey?: PublicKeyInput
  /** Expected head hash (64 hex digits) recorded elsewhere; a log that does not contain it was cut off or rewritten. */
  readonly anchor?: string
}

/** A log that verified. */
export interface AuditVerifyOk {
  /** Discriminant. */
  readonly ok: true
  /** Number of records. */
  readonly count: number
  /** Hash of the last record ({@link GENESIS_HASH} for an empty log). */
  readonly head: string
  /** Whether signatures were checked (a public key was given). */
  readonly signaturesChecked: boolean
  /** Number of signatures that were checked and valid. */
  readonly signatures: number
  /** Records after the last signed record, protected only by the hash chain (and the anchor). */
  readonly unsignedTail: number
  /** Position of the anchor in the log, when one was given (later records were appended after it). */
  readonly anchorIndex?: number
}

/** The first bad record of a log and why. */
export interface AuditVerifyFailure {
  /** Discriminant. */
  readonly ok: false
  /** Index of the first bad record (the record count for a cut-off tail). */
  readonly index: number
  /** Stable reason code. */
  readonly code: AuditVerifyCode
  /** What is wrong, for people. */
  readonly message: string
}

/** Outcome of {@link verifyEvents} / `verifyLog`. */
export type AuditVerifyResult = AuditVerifyOk | AuditVerifyFailure

function fail(index: number, code: AuditVerifyCode, message: string): AuditVerifyFailure {
  return { ok: false, index, code, message }
}

/** Parses the public key and anchor once; throws on unusable options (a usage error, not a verdict). */
export function resolveVerifyOptions(opts: AuditVerifyOptions): { key: KeyObject | undefined; anchor: string | undefined } {
  if (opts.anchor !== undefined && !isHashHex(opts.anchor)) throw new RangeError(`anchor must be 64 lower-case hex digits, got '${opts.anchor}'`)
  return { key: opts.publicKey === undefined ? undefined : loadPublicKey(opts.publicKey), anchor: opts.anchor }
}

/**
 * Checks a sequence of records in order and returns the first problem: shape, hash, link (with a
 * diagnosis of deletion, insertion or reordering), checkpoint, signature, coverage, then the anchor.
 *
 * Coverage (only with a public key): a record is covered by its own signature or by the next signed
 * checkpoint. A run of unsigned records may be at most `interval.events` long, taken from the last
 * checkpoint before the run; with no checkpoint before it, every record must be signed.
 */
export function verifyEvents(records: readonly unknown[], opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const { key, anchor } = resolveVerifyOptions(opts)
  const events: AuditEvent[] = []
  let prev = GENESIS_HASH
  let allowedRun: number | undefined
  let run = 0
  let signatures = 0
  for (let i = 0; i < records.length; i++) {
    const shaped = checkRecordShape(records[i])
    if (typeof shaped === 'string') return fail(i, 'AUDIT_MALFORMED_RECORD', `event ${i}: ${shaped}`)
    const e = shaped
    events.push(e)
    let computed: string
    try {
      computed = chainHash(e.previousHash, e)
    } catch (err) {
      if (err instanceof CanonicalError) return fail(i, 'AUDIT_MALFORMED_RECORD', `event ${i}: details cannot be hashed: ${err.message}`)
      throw err
    }
    if (computed !== e.hash) return fail(i, 'AUDIT_HASH_MISMATCH', `event ${i} (${e.id}): stored hash does not match its content; a field was changed`)
    if (e.previousHash !== prev) return diagnoseLink(records, events, i, prev)
    const isCheckpoint = e.type === CHECKPOINT_TYPE
    let interval: number | undefined
    if (isCheckpoint) {
      const d = checkCheckpointDetails(e, i)
      if (typeof d === 'string') return fail(i, 'AUDIT_BAD_CHECKPOINT', `event ${i}: ${d}`)
      interval = d.interval.events
    }
    if (key !== undefined) {
      if (e.signature !== undefined) {
        if (!verifyHashSignature(e.hash, e.signature, key)) return fail(i, 'AUDIT_BAD_SIGNATURE', `event ${i} (${e.id}): signature does not verify with the given public key`)
        signatures++
        run = 0
      } else if (isCheckpoint) {
        return fail(i, 'AUDIT_MISSING_SIGNATURE', `event ${i}: checkpoint is not signed`)
      } else {
        run++
        if (allowedRun === undefined) return fail(i, 'AUDIT_MISSING_SIGNATURE', `event ${i} (${e.id}): not signed and no checkpoint policy precedes it`)
        if (run > allowedRun) return fail(i, 'AUDIT_MISSING_CHECKPOINT', `event ${i} (${e.id}): more than ${allowedRun} events without a signed checkpoint`)
      }
      if (interval !== undefined) allowedRun = interval
    } else if (e.signature === undefined) run++
    else run = 0
    prev = e.hash
  }
  let anchorIndex: number | undefined
  if (anchor !== undefined && anchor !== GENESIS_HASH) {
    anchorIndex = events.findIndex((e) => e.hash === anchor)
    if (anchorIndex < 0) {
      return fail(events.length, 'AUDIT_TRUNCATED', `expected head ${anchor} is not in the log, which ends after ${events.length} events at ${prev}: its tail was cut off or rewritten`)
    }
  }
  return {
    ok: true,
    count: events.length,
    head: prev,
    signaturesChecked: key !== undefined,
    signatures,
    unsignedTail: run,
    ...(anchorIndex === undefined ? {} : { anchorIndex }),
  }
}

/** Explains a broken link by where `previousHash` points: nowhere, earlier, later, or to genesis. */
function diagnoseLink(records: readonly unknown[], checked: readonly AuditEvent[], i: number, expected: string): AuditVerifyFailure {
  const e = checked[i] as AuditEvent
  const where = new Map<string, number>()
  for (let j = 0; j < records.length; j++) {
    const r = j < checked.length ? checked[j] : checkRecordShape(records[j])
    if (typeof r !== 'string' && r !== undefined && !where.has(r.hash)) where.set(r.hash, j)
  }
  const twin = where.get(e.hash)
  if (twin !== undefined && twin < i) return fail(i, 'AUDIT_INSERTED', `event ${i} (${e.id}) is a copy of event ${twin}: a replayed event was inserted`)
  if (e.previousHash === GENESIS_HASH) {
    return fail(0, 'AUDIT_INSERTED', `event ${i} (${e.id}) starts a chain (genesis previousHash): the ${i} events before it were inserted or another log was prepended`)
  }
  const j = where.get(e.previousHash)
  if (j === undefined) {
    return fail(i, 'AUDIT_BROKEN_LINK', i === 0
      ? `event 0 (${e.id}) does not start at genesis: events before it are missing`
      : `event ${i} (${e.id}) links to an event that is not in the log: events between ${i - 1} and ${i} were deleted (or its link was rewritten)`)
  }
  if (j > i) return fail(i, 'AUDIT_REORDERED', `event ${i} (${e.id}) links to event ${j}, which comes after it: events were reordered`)
  if (j < i - 1) return fail(j + 1, 'AUDIT_INSERTED', `event ${i} (${e.id}) links to event ${j}: events ${j + 1}..${i - 1} were inserted`)
  // Unreachable while hashes do not collide; kept so every path returns a verdict.
  return fail(i, 'AUDIT_BROKEN_LINK', `event ${i} (${e.id}): previousHash ${e.previousHash} differs from the previous hash ${expected}`)
}
