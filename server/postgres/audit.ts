/**
 * The service's audit trail in PostgreSQL. While the database is unreachable every append is
 * refused at once (the decision becomes a deny) and `/health/ready` says why; a background
 * loop reopens the chain — from the head the database holds — as soon as it answers again.
 */
import { AuditTrail, type AuditTrailOptions } from '../../runtime/audit/trail.js'
import type { AuditInput } from '../../runtime/audit-sink.js'
import type { ServiceAudit, StoreHealth } from '../audit.js'
import { PostgresAuditStore } from './audit-store.js'
import type { PoolOptions } from './pool.js'

/** Options of {@link PostgresAudit.open}. */
export interface PostgresAuditOptions extends AuditTrailOptions {
  readonly url: string
  /** This replica's chain. */
  readonly chainId: string
  readonly pool?: PoolOptions
  /** Time between reconnection attempts; default 1 s. */
  readonly retryMs?: number
  readonly log?: (line: string) => void
}

/** A self-healing audit chain in PostgreSQL. */
export class PostgresAudit implements ServiceAudit {
  readonly enabled = true
  #trail: AuditTrail | undefined
  #failure: string | undefined
  #retry: NodeJS.Timeout | undefined
  #closed = false

  private constructor(private readonly o: PostgresAuditOptions) {}

  /** Opens the chain; if the database does not answer, starts unhealthy and keeps trying. */
  static async open(options: PostgresAuditOptions): Promise<PostgresAudit> {
    const a = new PostgresAudit(options)
    await a.#reopen()
    return a
  }

  get chainId(): string {
    return this.o.chainId
  }

  async append(event: AuditInput): Promise<unknown> {
    const trail = this.#trail
    if (trail === undefined) throw new Error(`audit store unavailable: ${this.#failure ?? 'not open'}`)
    try {
      return await trail.append(event)
    } catch (e) {
      this.#fail(trail, e)
      throw e
    }
  }

  health(): StoreHealth {
    return this.#trail !== undefined ? { kind: 'postgres', ok: true } : { kind: 'postgres', ok: false, message: this.#failure ?? 'not open' }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#retry !== undefined) clearTimeout(this.#retry)
    const t = this.#trail
    this.#trail = undefined
    await t?.close().catch(() => undefined)
  }

  #fail(trail: AuditTrail, e: unknown): void {
    if (this.#trail !== trail) return
    this.#trail = undefined
    this.#failure = e instanceof Error ? e.message : String(e)
    this.o.log?.(`audit chain ${this.o.chainId}: ${this.#failure}; audited decisions deny until it is back`)
    void trail.close().catch(() => undefined)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#closed || this.#retry !== undefined) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      void this.#reopen()
    }, this.o.retryMs ?? 1000)
    this.#retry.unref()
  }

  async #reopen(): Promise<void> {
    if (this.#closed) return
    const { url, chainId, pool, retryMs: _r, log: _l, ...trailOptions } = this.o
    const store = new PostgresAuditStore(url, chainId, pool)
    try {
      const trail = await AuditTrail.open(store, trailOptions)
      if (this.#closed) return void (await trail.close())
      this.#trail = trail
      if (this.#failure !== undefined) this.o.log?.(`audit chain ${chainId}: reconnected`)
      this.#failure = undefined
    } catch (e) {
      await store.close()
      this.#failure = e instanceof Error ? e.message : String(e)
      this.#schedule()
    }
  }
}
