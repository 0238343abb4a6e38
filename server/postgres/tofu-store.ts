/**
 * TOFU pins shared by every replica: the first key seen for a provider wins atomically across
 * replicas (`INSERT … ON CONFLICT DO NOTHING RETURNING`); any other key for that provider is a
 * `KeyMismatch` at every replica from then on.
 */
import type pg from 'pg'
import { HealthTracker, type StoreHealth } from '../../runtime/store-health.js'
import { keyIdOf } from '../../runtime/tools/schema-pin.js'
import { KeyMismatchError, TrustStoreError, UnknownProviderError, type KeyTrustStore, type TrustCheck } from '../../runtime/tools/tofu-store.js'

/** Provider keys pinned in `symbi_tofu_pins`. */
export class PostgresTofuStore implements KeyTrustStore {
  readonly #health = new HealthTracker('postgres')

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { closedWorld?: boolean } = {},
  ) {}

  async check(provider: string, publicKey: string): Promise<TrustCheck> {
    if (typeof provider !== 'string' || provider === '' || provider.length > 512) throw new TrustStoreError('provider must be a non-empty string of at most 512 characters')
    const keyId = keyIdOf(publicKey)
    let pinned: string | undefined
    try {
      if (this.options.closedWorld !== true) {
        const won = await this.#query<{ key_id: string }>('INSERT INTO symbi_tofu_pins (provider, key_id, public_key) VALUES ($1, $2, $3) ON CONFLICT (provider) DO NOTHING RETURNING key_id', [provider, keyId, publicKey])
        if (won.rows.length === 1) return { status: 'first_use', keyId }
      }
      pinned = (await this.#query<{ key_id: string }>('SELECT key_id FROM symbi_tofu_pins WHERE provider = $1', [provider])).rows[0]?.key_id
    } catch (e) {
      throw new TrustStoreError(`key store (PostgreSQL) failed: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (pinned === undefined) throw new UnknownProviderError(provider)
    if (pinned !== keyId) throw new KeyMismatchError(provider, pinned, keyId)
    return { status: 'pinned', keyId }
  }

  async lookup(provider: string): Promise<{ keyId: string } | undefined> {
    try {
      const id = (await this.#query<{ key_id: string }>('SELECT key_id FROM symbi_tofu_pins WHERE provider = $1', [provider])).rows[0]?.key_id
      return id === undefined ? undefined : { keyId: id }
    } catch (e) {
      throw new TrustStoreError(`key store (PostgreSQL) failed: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  health(): StoreHealth {
    return this.#health.health()
  }

  /** A pool query whose failure (or recovery) is what `health()` reports. */
  #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#health.track(() => this.pool.query<R>(sql, params))
  }
}
