/**
 * An audit chain in PostgreSQL: an {@link AuditStore} for the runtime's AuditTrail, so masking,
 * hashing, signing and group commit are exactly those of the file store. One chain per writer
 * (replica): the writer holds a session advisory lock on its chain id on the one connection all
 * its writes use, so two processes can never extend one chain. Each batch is one INSERT (one
 * transaction); rows are append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), except
 * those a chain's retention tombstone stands for (server/postgres/retention.ts).
 */
import pg from 'pg'
import { GENESIS_HASH, serializeEvent, type AuditEvent } from '../../runtime/audit/event.js'
import type { AuditStore, StoreState } from '../../runtime/audit/store.js'
import { clientConfig, type PoolOptions } from './pool.js'

/** The chain is held by another live writer. */
export class ChainInUseError extends Error {
  override readonly name = 'ChainInUseError'
}

/** One chain's rows, as `audit verify --postgres` reads them. */
export interface ChainRows {
  readonly chainId: string
  /** Parsed records in chain order. */
  readonly records: readonly unknown[]
  /** The row (`seq`) each record came from, for messages that name the first bad row. */
  readonly seqs: readonly number[]
}

/** A 64-bit advisory lock key for a chain id (two int4 halves, hashed by the server). */
const LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('symbi_audit'), hashtext($1)) AS ok"

/** Stores one chain's records in `symbi_audit_events`. */
export class PostgresAuditStore implements AuditStore {
  #client: pg.Client | undefined
  #seq = 0
  #broken: Error | undefined

  constructor(
    private readonly url: string,
    readonly chainId: string,
    private readonly options: PoolOptions = {},
  ) {}

  async open(): Promise<StoreState> {
    const client = new pg.Client(clientConfig(this.url, { ...this.options, applicationName: `symbi-policy audit ${this.chainId}`.slice(0, 63) }))
    client.on('error', (e) => {
      this.#broken = e
    })
    await client.connect()
    try {
      const lock = await client.query<{ ok: boolean }>(LOCK_SQL, [this.chainId])
      if (lock.rows[0]?.ok !== true) throw new ChainInUseError(`audit chain '${this.chainId}' is being written by another process`)
      const head = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM symbi_audit_events WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1', [this.chainId])
      const row = head.rows[0]
      this.#seq = row === undefined ? 0 : Number(row.seq)
      this.#client = client
      this.#broken = undefined
      return { head: row?.hash ?? GENESIS_HASH, count: this.#seq }
    } catch (e) {
      await client.end().catch(() => undefined)
      throw e
    }
  }

  async write(records: readonly AuditEvent[]): Promise<void> {
    const client = this.#client
    if (client === undefined) throw new Error('audit chain store is not open')
    if (this.#broken !== undefined) throw this.#broken
    const seqs: string[] = []
    const hashes: string[] = []
    const prevs: string[] = []
    const lines: string[] = []
    let seq = this.#seq
    for (const r of records) {
      seq++
      seqs.push(String(seq))
      hashes.push(r.hash)
      prevs.push(r.previousHash)
      lines.push(serializeEvent(r))
    }
    await client.query(
      'INSERT INTO symbi_audit_events (chain_id, seq, hash, prev_hash, record) SELECT $1, s, h, p, r FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(s, h, p, r)',
      [this.chainId, seqs, hashes, prevs, lines],
    )
    this.#seq = seq
  }

  async close(): Promise<void> {
    const client = this.#client
    this.#client = undefined
    // Ending the session releases the advisory lock.
    await client?.end().catch(() => undefined)
  }
}

/** What reads chains: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>

/**
 * Every chain in the database (or the one named), rows in order, for verification. A chain that
 * retention pruned opens with its signed tombstone (labelled with the last row it stands for),
 * and its rows continue after that row.
 */
export async function readChains(db: Queryable, chainId?: string): Promise<ChainRows[]> {
  const ids =
    chainId !== undefined
      ? [chainId]
      : (await db.query<{ chain_id: string }>('SELECT chain_id FROM symbi_audit_events UNION SELECT chain_id FROM symbi_audit_tombstones ORDER BY chain_id')).rows.map((r) => r.chain_id)
  const out: ChainRows[] = []
  for (const id of ids) {
    const records: unknown[] = []
    const seqs: number[] = []
    let expected = 1
    const tomb = await db.query<{ cut_seq: string; record: string }>('SELECT cut_seq, record FROM symbi_audit_tombstones WHERE chain_id = $1', [id])
    const t = tomb.rows[0]
    if (t !== undefined) {
      records.push(parseRow(t.record))
      seqs.push(Number(t.cut_seq))
      expected = Number(t.cut_seq) + 1
    }
    const rows = await db.query<{ seq: string; record: string }>('SELECT seq, record FROM symbi_audit_events WHERE chain_id = $1 AND seq >= $2 ORDER BY seq', [id, expected])
    for (const r of rows.rows) {
      // A gap in seq is a deleted row (by someone who disabled the trigger): it is kept as a
      // record that can never verify, so the chain is reported broken at the first missing row.
      if (Number(r.seq) !== expected) {
        records.push({ missing: `rows ${expected}..${Number(r.seq) - 1} of chain '${id}' are missing` })
        seqs.push(expected)
      }
      expected = Number(r.seq) + 1
      seqs.push(Number(r.seq))
      records.push(parseRow(r.record))
    }
    out.push({ chainId: id, records, seqs })
  }
  return out
}

function parseRow(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return { unparsable: text }
  }
}
