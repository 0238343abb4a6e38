/**
 * The key store in PostgreSQL, for replicas that share keys (OPERATIONS.md "Key management").
 * Reads come from a snapshot (the key manager's reads are synchronous and on the hot path of
 * every verification); `refresh` reloads it, and `open` subscribes to the store's NOTIFY
 * channel so that a revocation made by one replica reaches the others without waiting for a
 * poll. Writes go to the database before the snapshot; the revocation list is updated under a
 * row lock, so two replicas revoking at once both keep their entry.
 */
import type pg from 'pg'
import { listenOn, type Listening } from './listen.js'
import { KeyError } from '../../runtime/keys/errors.js'
import { isKeyId, type KeyStore } from '../../runtime/keys/file-store.js'
import type { KeyRecord, RevocationList } from '../../runtime/keys/records.js'

const CHANNEL = 'symbi_keys_changed'

export class PostgresKeyStore implements KeyStore {
  private keys = new Map<string, KeyRecord>()
  private revocationList: RevocationList | undefined
  private listener: Listening | undefined

  private constructor(private readonly pool: pg.Pool) {}

  /** Loads the snapshot; with `listen`, keeps it current from the other replicas' changes. */
  static async open(pool: pg.Pool, options: { listen?: boolean } = {}): Promise<PostgresKeyStore> {
    const store = new PostgresKeyStore(pool)
    await store.refresh()
    if (options.listen === true) store.listener = await listenOn(pool, CHANNEL, () => void store.refresh().catch(() => undefined))
    return store
  }

  async refresh(): Promise<void> {
    const keys = await this.query<{ id: string; record: KeyRecord }>('SELECT id, record FROM symbi_keys ORDER BY id')
    const list = await this.query<{ list: RevocationList }>('SELECT list FROM symbi_key_revocations WHERE id = 1')
    this.keys = new Map(keys.rows.filter((r) => isKeyId(r.id) && r.record?.id === r.id).map((r) => [r.id, r.record]))
    const stored = list.rows[0]?.list
    this.revocationList = stored === undefined || stored.issuer === '' ? undefined : stored
  }

  async close(): Promise<void> {
    const listener = this.listener
    this.listener = undefined
    await listener?.stop()
  }

  list(): KeyRecord[] {
    return [...this.keys.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
  }

  get(id: string): KeyRecord | undefined {
    if (!isKeyId(id)) throw new KeyError('unknown_key', `'${id}' is not a key id (sha256:<64 hex digits>)`)
    return this.keys.get(id)
  }

  revocations(): RevocationList | undefined {
    return this.revocationList
  }

  async put(record: KeyRecord): Promise<void> {
    if (!isKeyId(record.id)) throw new KeyError('bad_record', `'${record.id}' is not a key id`)
    await this.query('INSERT INTO symbi_keys (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()', [record.id, JSON.stringify(record)])
    await this.query(`NOTIFY ${CHANNEL}`)
    this.keys.set(record.id, record)
  }

  async updateRevocations(next: (current: RevocationList | undefined) => RevocationList): Promise<void> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw new KeyError('store', `key store (PostgreSQL) unavailable: ${e instanceof Error ? e.message : String(e)}`)
    }
    try {
      await client.query('BEGIN')
      // The singleton row exists from the first revocation on; lock it (or the insert races).
      await client.query('INSERT INTO symbi_key_revocations (id, list) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [JSON.stringify({ issuer: '', issuedAt: 0, entries: [], signature: '' })])
      const row = await client.query<{ list: RevocationList }>('SELECT list FROM symbi_key_revocations WHERE id = 1 FOR UPDATE')
      const stored = row.rows[0]?.list
      const current = stored === undefined || stored.issuer === '' ? undefined : stored
      const list = next(current)
      await client.query('UPDATE symbi_key_revocations SET list = $1, updated_at = now() WHERE id = 1', [JSON.stringify(list)])
      await client.query(`NOTIFY ${CHANNEL}`)
      await client.query('COMMIT')
      this.revocationList = list
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      if (e instanceof KeyError) throw e
      throw new KeyError('store', `key store (PostgreSQL) failed: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      client.release()
    }
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    try {
      return await this.pool.query<T>(sql, params)
    } catch (e) {
      throw new KeyError('store', `key store (PostgreSQL) failed: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
}
