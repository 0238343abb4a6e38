/**
 * Retention for audit chains in PostgreSQL (OPERATIONS.md "Compliance"), as `applyRetention`
 * does for a log file: the rows of one chain older than the retention — up to a signed record —
 * are deleted, or first written to an archive file, and the chain's signed tombstone
 * (`symbi_audit_tombstones`) stands for them, so `audit verify --postgres` still verifies it.
 *
 * The tombstone row and the deletion are one transaction, and the chain as it would then read is
 * verified inside it before the commit: a pruned chain that did not verify would be evidence
 * destroyed. A chain that does not verify is never pruned. The writer may keep appending while
 * this runs (its unsigned tail is left alone, and so is the chain's last row, from which a
 * restarted writer resumes).
 */
import type pg from 'pg'
import { serializeEvent, type TombstoneDetails } from '../../runtime/audit/event.js'
import { prepareRetention, RetentionError, type RetentionOptions, type RetentionResult } from '../../runtime/audit/retention.js'
import { verify } from '../../runtime/audit/verify-log.js'
import { readChains } from './audit-store.js'

/** Applies retention to chain `chainId`; `options` as for a log file (`archive`: a file that must not exist). */
export async function applyChainRetention(pool: pg.Pool, chainId: string, options: RetentionOptions): Promise<RetentionResult> {
  const [chain] = await readChains(pool, chainId)
  if (chain === undefined || chain.records.length === 0) throw new RetentionError(`no audit chain '${chainId}' in the database`)
  const prepared = await prepareRetention(chain.records, options, chain.records.length)
  if (!('cut' in prepared)) return prepared
  const { publicKey, cut, removed, tombstone, archiveSha256 } = prepared
  const deleted = (tombstone.details as TombstoneDetails).deleted
  // Seqs count from 1, so the tombstone's `deleted` is the seq of the last row it stands for.
  if (deleted !== chain.seqs[cut - 1]) throw new RetentionError(`internal error: the cut (${deleted} records) is not at row ${chain.seqs[cut - 1] ?? '?'}; nothing was deleted`)

  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(
      `INSERT INTO symbi_audit_tombstones (chain_id, cut_seq, hash, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (chain_id) DO UPDATE SET cut_seq = EXCLUDED.cut_seq, hash = EXCLUDED.hash, record = EXCLUDED.record, applied_at = now()`,
      [chainId, deleted, tombstone.hash, serializeEvent(tombstone)],
    )
    const gone = await client.query('DELETE FROM symbi_audit_events WHERE chain_id = $1 AND seq <= $2', [chainId, deleted])
    const [after] = await readChains(client, chainId)
    const checked = after === undefined ? undefined : await verify(after.records, { publicKey, live: true })
    if (checked === undefined || !checked.ok) {
      await client.query('ROLLBACK')
      throw new RetentionError(`internal error: the pruned chain would not verify (${checked?.ok === false ? `${checked.code}: ${checked.message}` : 'no rows'}); nothing was changed`)
    }
    await client.query('COMMIT')
    return { deleted, removed: gone.rowCount ?? removed, kept: (after?.records.length ?? 1) - 1, tombstone, ...(archiveSha256 === null ? {} : { archiveSha256 }) }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  } finally {
    client.release()
  }
}
