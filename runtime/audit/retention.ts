/**
 * Retention (OPERATIONS.md "Compliance"): records older than the retention are deleted — or
 * moved to an archive — and replaced by one signed tombstone, after which the remaining log
 * still verifies (verify.ts accepts a tombstone as the first record and links the first kept
 * record to the last deleted one).
 *
 * The cut is made just after a signed record, so the deleted part ends signed (an archive of it
 * verifies on its own, from genesis) and the kept part starts covered. A log that does not
 * verify is never pruned: retention must not launder a broken chain. Run it on a log no writer
 * has open (after rotation of the writer); the new log replaces the old one atomically.
 */
import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import { readFileSync, renameSync, unlinkSync } from 'node:fs'
import { writeFileDurably } from '../durable-write.js'
import { chainHash } from './canonical.js'
import { CHECKPOINT_AGENT, GENESIS_HASH, SESSION_TYPE, TOMBSTONE_TYPE, serializeEvent, type AuditEvent, type SessionDetails, type TombstoneDetails } from './event.js'
import { loadPrivateKey, type SigningKeyInput } from './keys.js'
import { parseLine } from './log-format.js'
import { signHash } from './signing.js'
import { verify } from './verify-log.js'

export interface RetentionOptions {
  /** Records timestamped before this instant (epoch ms) are deleted. */
  readonly before: number
  /** The log's signing key: the tombstone is signed with it (and the log verified with its public half). */
  readonly signingKey: SigningKeyInput
  /** Move the deleted records here instead of discarding them (a file that must not exist). */
  readonly archive?: string
  readonly clock?: () => number
}

export interface RetentionResult {
  /** Records of the original log now deleted (or archived), in all. */
  readonly deleted: number
  /** Records removed from the file by this run. */
  readonly removed: number
  /** Records kept after the tombstone. */
  readonly kept: number
  readonly tombstone?: AuditEvent
  readonly archiveSha256?: string
}

export class RetentionError extends Error {
  override readonly name = 'RetentionError'
}

/** Writes a new file (never over an existing one), 0600, fsynced. */
function writeNew(path: string, text: string): void {
  writeFileDurably(path, text, 'wx')
}

/**
 * The signed tombstone standing for file records [0, cut) of a log whose parsed records are
 * `records` (which may themselves open with an older tombstone).
 */
function tombstoneFor(records: readonly AuditEvent[], cut: number, key: KeyObject, now: number, archiveSha256: string | null): AuditEvent {
  const old = records[0]?.type === TOMBSTONE_TYPE ? (records[0].details as TombstoneDetails) : undefined
  let session: SessionDetails | null = old?.session ?? null
  for (let j = 0; j < cut; j++) if ((records[j] as AuditEvent).type === SESSION_TYPE) session = (records[j] as AuditEvent).details as SessionDetails
  const last = records[cut - 1] as AuditEvent
  const first = records[old === undefined ? 0 : 1] as AuditEvent
  const details: TombstoneDetails = {
    deleted: (old === undefined ? 0 : old.deleted - 1) + cut,
    last_hash: last.hash,
    first_at: old?.first_at ?? first.timestamp,
    last_at: last.timestamp,
    session,
    archive_sha256: archiveSha256,
  }
  const fields = { id: randomUUID(), timestamp: new Date(now).toISOString(), agentId: CHECKPOINT_AGENT, type: TOMBSTONE_TYPE as typeof TOMBSTONE_TYPE, details }
  const hash = chainHash(GENESIS_HASH, fields)
  return { ...fields, previousHash: GENESIS_HASH, hash, signature: signHash(hash, key) }
}

/**
 * The records of a log (a file, or the records of a chain read from PostgreSQL) that verify with
 * `publicKey`, with the lines they are written as; refuses (`RetentionError`, naming `refusal`)
 * a log that does not verify. `live` accepts a tail a writer has not signed yet, and leaves it out.
 */
async function verifiedRecords(source: string | readonly unknown[], publicKey: KeyObject, live: boolean, refusal: string): Promise<{ lines: string[]; records: AuditEvent[] }> {
  const checked = await verify(source, { publicKey, live })
  if (!checked.ok) throw new RetentionError(`the log does not verify (${checked.code} at event ${checked.index}: ${checked.message}); ${refusal}`)
  if (typeof source !== 'string') {
    const records = source.slice(0, checked.count) as AuditEvent[]
    return { lines: records.map(serializeEvent), records }
  }
  // A writer may be mid-line: only complete lines, and only as many as were verified.
  const lines = readFileSync(source, 'utf8').split('\n').slice(0, checked.count)
  return { lines, records: lines.map((l) => (parseLine(Buffer.from(l, 'utf8')) as { record: AuditEvent }).record) }
}

/**
 * Where retention cuts `records` (which may open with an older tombstone): just after the last
 * signed record timestamped before `before`, among the first `limit` records; 0 when none is.
 */
function retentionCut(records: readonly AuditEvent[], before: number, limit: number): number {
  let cut = 0
  for (let j = records[0]?.type === TOMBSTONE_TYPE ? 1 : 0; j < limit; j++) {
    const r = records[j] as AuditEvent
    if (Date.parse(r.timestamp) >= before) break
    if (r.signature !== undefined) cut = j + 1
  }
  return cut
}

/** The first half of a retention run, done: the cut found, the archive written, the tombstone made. */
export interface PreparedRetention {
  readonly publicKey: KeyObject
  /** The verified records (and their lines) of the log as it was. */
  readonly lines: readonly string[]
  readonly records: readonly AuditEvent[]
  /** Records [0, cut) go (an older tombstone among them). */
  readonly cut: number
  /** Records of the original log the run removes. */
  readonly removed: number
  readonly tombstone: AuditEvent
  readonly archiveSha256: string | null
}

/**
 * What log files and PostgreSQL chains share: verify (refusing a log that does not), find the cut,
 * write the archive before the store is touched, make the tombstone. `rows`: the records the store
 * holds when that is more than verify vouched for (a live chain's unsigned tail); given, the last of
 * them is never cut — a writer resumes from it. A `RetentionResult` when nothing goes.
 */
export async function prepareRetention(source: string | readonly unknown[], options: RetentionOptions, rows?: number): Promise<PreparedRetention | RetentionResult> {
  const key: KeyObject = loadPrivateKey(options.signingKey)
  const publicKey = createPublicKey(key)
  const { lines, records } = await verifiedRecords(source, publicKey, rows !== undefined, 'nothing was deleted')
  const old = records[0]?.type === TOMBSTONE_TYPE ? (records[0].details as TombstoneDetails) : undefined
  const cut = retentionCut(records, options.before, rows === undefined ? records.length : Math.min(records.length, rows - 1))
  const removed = old === undefined ? cut : cut - 1
  if (removed <= 0) return { deleted: old?.deleted ?? 0, removed: 0, kept: (rows ?? records.length) - (old === undefined ? 0 : 1) }

  let archiveSha256: string | null = null
  if (options.archive !== undefined) {
    const archived = `${lines.slice(0, cut).join('\n')}\n`
    archiveSha256 = createHash('sha256').update(archived).digest('hex')
    // Written before the log is touched, and never over an existing file.
    writeNew(options.archive, archived)
  }
  const tombstone = tombstoneFor(records, cut, key, (options.clock ?? Date.now)(), archiveSha256)
  return { publicKey, lines, records, cut, removed, tombstone, archiveSha256 }
}

export async function applyRetention(path: string, options: RetentionOptions): Promise<RetentionResult> {
  const prepared = await prepareRetention(path, options)
  if (!('cut' in prepared)) return prepared
  const { publicKey, lines, cut, removed, tombstone, archiveSha256 } = prepared
  const deleted = (tombstone.details as TombstoneDetails).deleted
  const kept = lines.slice(cut)
  // The new log is verified before it replaces the old one: a pruned log that did not verify
  // would be evidence destroyed.
  const tmp = `${path}.${randomUUID()}.tmp`
  writeNew(tmp, `${[serializeEvent(tombstone), ...kept].join('\n')}\n`)
  const after = await verify(tmp, { publicKey })
  if (!after.ok) {
    unlinkSync(tmp)
    throw new RetentionError(`internal error: the pruned log would not verify (${after.code}: ${after.message}); nothing was changed`)
  }
  renameSync(tmp, path)
  return { deleted, removed, kept: kept.length, tombstone, ...(archiveSha256 === null ? {} : { archiveSha256 }) }
}

export interface EvidenceOptions {
  /** Records from this instant (epoch ms) … */
  readonly from: number
  /** … up to this instant are exported (widened to signed records at both ends). */
  readonly to: number
  readonly signingKey: SigningKeyInput
  /** The file to write (must not exist). */
  readonly out: string
  readonly clock?: () => number
}

export interface EvidenceResult {
  /** Records in the export after its tombstone. */
  readonly records: number
  /** Records of the log before the segment (stood for by the tombstone). */
  readonly before: number
  readonly sha256: string
}

/**
 * Evidence preservation (OPERATIONS.md "Incident response"): the segment of a log around an
 * incident, written as a log of its own that `audit verify` accepts — a signed tombstone stands
 * for the records before the segment, the segment starts just after a signed record and ends at
 * a signed one. The source log may still be open by its writer (an unsigned tail is left out).
 * `source` is a log file or the records of one chain (a PostgreSQL replica's, `readChains`).
 */
export async function exportEvidence(source: string | readonly unknown[], options: EvidenceOptions): Promise<EvidenceResult> {
  const key: KeyObject = loadPrivateKey(options.signingKey)
  const publicKey = createPublicKey(key)
  const { lines, records } = await verifiedRecords(source, publicKey, true, 'no evidence was exported')
  const old = records[0]?.type === TOMBSTONE_TYPE ? (records[0].details as TombstoneDetails) : undefined
  let start = old === undefined ? 0 : 1
  for (let j = start; j < records.length; j++) {
    const r = records[j] as AuditEvent
    if (Date.parse(r.timestamp) >= options.from) break
    if (r.signature !== undefined) start = j + 1
  }
  let end = -1
  for (let j = start; j < records.length; j++) {
    const r = records[j] as AuditEvent
    if (r.signature !== undefined) end = j
    if (Date.parse(r.timestamp) > options.to && r.signature !== undefined) break
  }
  if (end < start) throw new RetentionError('no signed record covers the requested period yet; export again after the next checkpoint')
  const segment = lines.slice(start, end + 1)
  const head = start === 0 ? '' : `${serializeEvent(tombstoneFor(records, start, key, (options.clock ?? Date.now)(), null))}\n`
  const body = `${head}${segment.join('\n')}\n`
  writeNew(options.out, body)
  const v = await verify(options.out, { publicKey })
  if (!v.ok) {
    unlinkSync(options.out)
    throw new RetentionError(`internal error: the export would not verify (${v.code}: ${v.message})`)
  }
  return { records: segment.length, before: start === 0 ? 0 : (old === undefined ? 0 : old.deleted - 1) + start, sha256: createHash('sha256').update(body).digest('hex') }
}
