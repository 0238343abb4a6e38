import type { KeyObject } from 'node:crypto'
import { CanonicalError, chainHash } from './canonical.js'
import { CHECKPOINT_TYPE, GENESIS_HASH, SESSION_TYPE, TOMBSTONE_TYPE, type AuditEvent } from './event.js'
import { loadPublicKey, type PublicKeyInput } from './keys.js'
import { checkCheckpointDetails, checkRecordShape, checkSessionDetails, checkTombstoneDetails, isHashHex } from './record-shape.js'
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
  | 'AUDIT_UNSIGNED_TAIL'
  | 'AUDIT_MODE_DOWNGRADE'
  | 'AUDIT_BAD_SESSION'
  | 'AUDIT_KEY_NOT_TRUSTED'
  | 'AUDIT_BAD_TOMBSTONE'

/** Options of a verification. */
export interface AuditVerifyOptions {
  /** Ed25519 public key; when given every signature is checked and every record must be covered by one. */
  readonly publicKey?: PublicKeyInput
  /** Expected head hash (64 hex digits) recorded elsewhere; a log that does not contain it was cut off or rewritten. */
  readonly anchor?: string
  /**
   * A log still being written: accept an unsigned tail of at most the checkpoint interval its
   * session declared (and report how many records nothing vouches for). Without it every record
   * must be covered by a signature.
   */
  readonly live?: boolean
  /**
   * The signing key's standing at a signed record's time (key management: certification,
   * rotation, revocation). Returns why the key may not vouch for a record signed then, or
   * undefined when it may. Checked on every signature, after the signature itself.
   */
  readonly keyStanding?: (signedAt: number) => string | undefined
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
  /** Records after the last signed record, protected only by the hash chain (and the anchor); non-zero only with `live`. */
  readonly unsignedTail: number
  /** Position of the anchor in the log, when one was given (later records were appended after it). */
  readonly anchorIndex?: number
  /** Records deleted by retention before the first kept one, when the log opens with a tombstone. */
  readonly pruned?: { readonly deleted: number; readonly lastAt: string }
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

/** A record whose `previousHash` is wrong: the caller locates where it points to say why. */
export interface BrokenLink {
  /** Discriminant. */
  readonly brokenLink: true
  /** Position of the record. */
  readonly index: number
  /** The record. */
  readonly event: AuditEvent
  /** The hash its `previousHash` should have been. */
  readonly expected: string
}

/**
 * Checks records one at a time, in order, keeping O(1) state, so a log file can be verified as a
 * stream. Per record: shape, hash, link, checkpoint details, signature, coverage; `finish` then
 * checks the anchor.
 *
 * Coverage (only with a public key), strict (RUNTIME.md "Audit trail"):
 * - a signed `session_start` record opens each writer session and names its mode; after an
 *   `every` session start an unsigned record is a downgrade (AUDIT_MODE_DOWNGRADE); after a
 *   `checkpoint` one, unsigned runs may be at most its `interval.events` long;
 * - before any session start (logs of older writers) a run of unsigned records is allowed only
 *   after a checkpoint, at most that checkpoint's `interval.events` long;
 * - every record must be covered by a later signature: the log must end with a signed record
 *   (AUDIT_UNSIGNED_TAIL), so a closing checkpoint cannot simply be deleted and the records
 *   after the last signature cannot be rewritten without the key. With `live`, an unsigned
 *   tail of at most the declared interval is accepted and reported.
 */
export class ChainVerifier {
  readonly #key: KeyObject | undefined
  readonly #anchor: string | undefined
  readonly #live: boolean
  readonly #standing: ((signedAt: number) => string | undefined) | undefined
  /** The signing mode of the current session (`undefined` before any session start). */
  #mode: 'every' | 'checkpoint' | undefined
  #sessionAt = -1
  #index = 0
  #prev = GENESIS_HASH
  #allowedRun: number | undefined
  #run = 0
  #signatures = 0
  #anchorIndex: number | undefined
  /** Records deleted by retention, less the tombstone standing in for them: positions in checkpoints count from the original log. */
  #offset = 0
  #pruned: { deleted: number; lastAt: string } | undefined

  constructor(opts: AuditVerifyOptions = {}) {
    const { key, anchor } = resolveVerifyOptions(opts)
    this.#key = key
    this.#anchor = anchor
    this.#live = opts.live === true
    this.#standing = opts.keyStanding
  }

  /** Number of records accepted so far. */
  get count(): number {
    return this.#index
  }

  /** Checks the next record; returns the problem, if any (after which the verifier must not be reused). */
  push(record: unknown): AuditVerifyFailure | BrokenLink | undefined {
    const i = this.#index
    const shaped = checkRecordShape(record)
    if (typeof shaped === 'string') return fail(i, 'AUDIT_MALFORMED_RECORD', `event ${i}: ${shaped}`)
    const e = shaped
    let computed: string
    try {
      computed = chainHash(e.previousHash, e)
    } catch (err) {
      if (err instanceof CanonicalError) return fail(i, 'AUDIT_MALFORMED_RECORD', `event ${i}: details cannot be hashed: ${err.message}`)
      throw err
    }
    if (computed !== e.hash) return fail(i, 'AUDIT_HASH_MISMATCH', `event ${i} (${e.id}): stored hash does not match its content; a field was changed`)
    if (e.type === TOMBSTONE_TYPE) return this.#tombstone(e, i)
    if (e.previousHash !== this.#prev) return { brokenLink: true, index: i, event: e, expected: this.#prev }
    const isCheckpoint = e.type === CHECKPOINT_TYPE
    const isSession = e.type === SESSION_TYPE
    let interval: number | undefined
    let sessionMode: 'every' | 'checkpoint' | undefined
    if (isCheckpoint) {
      const d = checkCheckpointDetails(e, i + this.#offset)
      if (typeof d === 'string') return fail(i, 'AUDIT_BAD_CHECKPOINT', `event ${i}: ${d}`)
      interval = d.interval.events
    }
    if (isSession) {
      const d = checkSessionDetails(e)
      if (typeof d === 'string') return fail(i, 'AUDIT_BAD_SESSION', `event ${i}: ${d}`)
      sessionMode = d.mode
      interval = d.interval?.events
    }
    if (this.#key !== undefined) {
      if (e.signature !== undefined) {
        if (!verifyHashSignature(e.hash, e.signature, this.#key)) return fail(i, 'AUDIT_BAD_SIGNATURE', `event ${i} (${e.id}): signature does not verify with the given public key`)
        const standing = this.#standing?.(Date.parse(e.timestamp))
        if (standing !== undefined) return fail(i, 'AUDIT_KEY_NOT_TRUSTED', `event ${i} (${e.id}) signed at ${e.timestamp}: ${standing}`)
        this.#signatures++
        this.#run = 0
      } else if (isCheckpoint || isSession) {
        return fail(i, 'AUDIT_MISSING_SIGNATURE', `event ${i}: ${isCheckpoint ? 'checkpoint' : 'session start'} is not signed`)
      } else if (this.#mode === 'every') {
        return fail(i, 'AUDIT_MODE_DOWNGRADE', `event ${i} (${e.id}): not signed, but the session started at event ${this.#sessionAt} signs every event`)
      } else {
        this.#run++
        if (this.#allowedRun === undefined) return fail(i, 'AUDIT_MISSING_SIGNATURE', `event ${i} (${e.id}): not signed and no checkpoint policy precedes it`)
        if (this.#run > this.#allowedRun) return fail(i, 'AUDIT_MISSING_CHECKPOINT', `event ${i} (${e.id}): more than ${this.#allowedRun} events without a signed checkpoint`)
      }
      if (sessionMode !== undefined) {
        this.#mode = sessionMode
        this.#sessionAt = i
        this.#allowedRun = interval
      } else if (interval !== undefined && this.#mode !== 'every') this.#allowedRun = interval
    } else if (e.signature === undefined) this.#run++
    else this.#run = 0
    if (this.#anchorIndex === undefined && e.hash === this.#anchor) this.#anchorIndex = i
    this.#prev = e.hash
    this.#index++
    return undefined
  }

  /**
   * A retention tombstone: only as the first record, signed when signatures are checked; the
   * next record links to the last deleted one, and the session in effect at the cut continues.
   */
  #tombstone(e: AuditEvent, i: number): AuditVerifyFailure | undefined {
    if (i !== 0) return fail(i, 'AUDIT_BAD_TOMBSTONE', `event ${i} (${e.id}): a retention tombstone can only open a log`)
    const d = checkTombstoneDetails(e)
    if (typeof d === 'string') return fail(i, 'AUDIT_BAD_TOMBSTONE', `event ${i}: ${d}`)
    if (this.#key !== undefined) {
      if (e.signature === undefined) return fail(i, 'AUDIT_MISSING_SIGNATURE', `event ${i}: the retention tombstone is not signed`)
      if (!verifyHashSignature(e.hash, e.signature, this.#key)) return fail(i, 'AUDIT_BAD_SIGNATURE', `event ${i} (${e.id}): the retention tombstone's signature does not verify with the given public key`)
      const standing = this.#standing?.(Date.parse(e.timestamp))
      if (standing !== undefined) return fail(i, 'AUDIT_KEY_NOT_TRUSTED', `event ${i} (${e.id}) signed at ${e.timestamp}: ${standing}`)
      this.#signatures++
    }
    if (d.session !== null) {
      this.#mode = d.session.mode
      this.#allowedRun = d.session.interval?.events
      this.#sessionAt = i
    }
    this.#offset = d.deleted - 1
    this.#pruned = { deleted: d.deleted, lastAt: d.last_at }
    // An anchor recorded at the last deleted record is vouched for by the signed tombstone.
    if (this.#anchor === d.last_hash) this.#anchorIndex = i
    this.#prev = d.last_hash
    this.#index++
    return undefined
  }

  /**
   * The verdict after the last record: ok; `AUDIT_TRUNCATED` when the anchor was not seen;
   * `AUDIT_UNSIGNED_TAIL` when records after the last signature are not covered (with a key and
   * without `live`, or with `live` beyond the declared interval).
   */
  finish(): AuditVerifyResult {
    const n = this.#index
    if (this.#anchor !== undefined && this.#anchor !== GENESIS_HASH && this.#anchorIndex === undefined) {
      return fail(n, 'AUDIT_TRUNCATED', `expected head ${this.#anchor} is not in the log, which ends after ${n} events at ${this.#prev}: its tail was cut off or rewritten`)
    }
    if (this.#key !== undefined && this.#run > 0) {
      const first = n - this.#run
      if (!this.#live) {
        return fail(first, 'AUDIT_UNSIGNED_TAIL', `events ${first}..${n - 1} are covered by no signature (the closing checkpoint is missing, or they were rewritten); use --live for a log that is still being written`)
      }
      // Push already bounds each run by the declared interval; a live tail is that run.
    }
    return {
      ok: true,
      count: n,
      head: this.#prev,
      signaturesChecked: this.#key !== undefined,
      signatures: this.#signatures,
      unsignedTail: this.#run,
      ...(this.#anchorIndex === undefined ? {} : { anchorIndex: this.#anchorIndex }),
      ...(this.#pruned === undefined ? {} : { pruned: this.#pruned }),
    }
  }
}

/** Verifies records given in memory; see {@link ChainVerifier} for the checks. */
export function verifyEvents(records: readonly unknown[], opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const v = new ChainVerifier(opts)
  for (const r of records) {
    const problem = v.push(r)
    if (problem === undefined) continue
    if ('brokenLink' in problem) return diagnoseLink(problem, firstIndexOf(records, [problem.event.previousHash, problem.event.hash]))
    return problem
  }
  return v.finish()
}

/** First index of each wanted hash among well-formed records. */
export function firstIndexOf(records: Iterable<unknown>, wanted: readonly string[]): ReadonlyMap<string, number> {
  const want = new Set(wanted)
  const found = new Map<string, number>()
  let j = 0
  for (const r of records) {
    const h = (r as { hash?: unknown } | null)?.hash
    if (typeof h === 'string' && want.has(h) && !found.has(h)) found.set(h, j)
    j++
  }
  return found
}

/**
 * Explains a broken link by where `previousHash` points: to a later record (reordered), to an
 * earlier one (records inserted in between), to the genesis (a chain prepended), or nowhere
 * (records deleted). `where` maps the record's `previousHash` and own `hash` to their first index.
 */
export function diagnoseLink(b: BrokenLink, where: ReadonlyMap<string, number>): AuditVerifyFailure {
  const { index: i, event: e, expected } = b
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
