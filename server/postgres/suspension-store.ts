/**
 * Suspended agents in PostgreSQL: kept across restarts and shared by replicas, so an agent
 * suspended through one replica (or by a host's incident response writing to the same database)
 * is denied by all. Reads come from a snapshot, as enforcement points ask on their hot path;
 * `open` subscribes to a NOTIFY channel so that another replica's suspension or resume reaches
 * this one without waiting for a poll, and `refresh` reloads it (call it on a timer as well
 * when a missed notification must not matter, e.g. across a reconnect).
 */
import type pg from 'pg'
import { listenOn, type Listening } from './listen.js'
import { MemorySuspensions, parseSuspension, type Suspension } from '../../runtime/events/suspension-store.js'
import { HealthTracker, type StoreHealth } from '../../runtime/store-health.js'

const CHANNEL = 'symbi_suspensions_changed'

export class PostgresSuspensionStore extends MemorySuspensions {
  private listener: Listening | undefined
  private timer: NodeJS.Timeout | undefined
  /** False until the table has been read once: until then every agent counts as suspended. */
  private loaded = false
  private readonly tracker = new HealthTracker('postgres')
  /** Suspended here but not known to be in the table (being written, or the write failed). */
  private readonly unwritten = new Set<string>()
  /** When (a counter of this store's suspensions) each agent was suspended here. */
  private readonly madeAt = new Map<string, number>()
  private generation = 0

  private constructor(private readonly pool: pg.Pool) {
    super()
  }

  /**
   * Loads the snapshot; with `listen`, keeps it current from the other replicas' changes, and
   * with `refreshMs` also reloads it on that period (a notification missed during a reconnect).
   * With `waitForDatabase`, a database that does not answer yet is not an error: the store
   * opens, answers every agent as suspended (fail closed: it cannot tell which are) and loads
   * on the next period that reaches the database.
   */
  static async open(pool: pg.Pool, options: { listen?: boolean; refreshMs?: number; waitForDatabase?: boolean } = {}): Promise<PostgresSuspensionStore> {
    const store = new PostgresSuspensionStore(pool)
    try {
      await store.refresh()
    } catch (e) {
      if (options.waitForDatabase !== true || options.refreshMs === undefined) throw e
    }
    if (options.refreshMs !== undefined) {
      store.timer = setInterval(() => void store.reload(options.listen === true), options.refreshMs)
      store.timer.unref()
    }
    if (options.listen === true && store.loaded) store.listener = await listenOn(pool, CHANNEL, () => void store.refresh().catch(() => undefined)).catch(() => undefined)
    return store
  }

  /** The periodic reload; also subscribes once the database answers, if the first try could not. */
  private async reload(listen: boolean): Promise<void> {
    try {
      await this.refresh()
      if (listen && this.listener === undefined) this.listener = await listenOn(this.pool, CHANNEL, () => void this.refresh().catch(() => undefined))
    } catch {
      // Reported by health(); the next period tries again.
    }
  }

  override get(agent: string): Suspension | undefined {
    if (!this.loaded) return { agent, since: 0, reason: `suspended agents could not be read from PostgreSQL yet, so every agent counts as suspended (fail closed): ${this.tracker.health().message ?? 'not loaded'}` }
    return super.get(agent)
  }

  /** Whether the last read or write worked, and whether the table has been read at all. */
  health(): StoreHealth {
    const h = this.tracker.health()
    return this.loaded || !h.ok ? h : { kind: 'postgres', ok: false, message: 'suspended agents not loaded yet' }
  }

  /** Replaces the snapshot with the table's rows. */
  async refresh(): Promise<void> {
    const started = this.generation
    const rows = await this.query<{ agent: string; since_ms: string; reason: string; event: string | null }>('SELECT agent, since_ms, reason, event FROM symbi_suspensions')
    const next = new Map<string, Suspension>()
    for (const r of rows.rows) {
      const s = parseSuspension({ agent: r.agent, since: Number(r.since_ms), reason: r.reason, ...(r.event === null ? {} : { event: r.event }) }, `symbi_suspensions row '${r.agent}'`)
      next.set(s.agent, s)
    }
    // A suspension this replica holds but has not (yet) written stays, and so does one made while
    // this reload's query ran (its row may have landed after the query read the table):
    // suspending only denies more.
    for (const [agent, s] of this.held) if (!next.has(agent) && (this.unwritten.has(agent) || (this.madeAt.get(agent) ?? 0) > started)) next.set(agent, s)
    this.held.clear()
    for (const [agent, s] of next) this.held.set(agent, s)
    this.loaded = true
  }

  override async put(s: Suspension): Promise<void> {
    super.put(s)
    this.unwritten.add(s.agent)
    this.madeAt.set(s.agent, ++this.generation)
    // The first suspension wins: a second replica suspending the same agent keeps the first record.
    await this.query('INSERT INTO symbi_suspensions (agent, since_ms, reason, event) VALUES ($1, $2, $3, $4) ON CONFLICT (agent) DO NOTHING', [s.agent, s.since, s.reason, s.event ?? null])
    this.unwritten.delete(s.agent)
    // Written is what counts: replicas that miss the notification see it at their next refresh.
    await this.query(`NOTIFY ${CHANNEL}`).catch(() => undefined)
  }

  override async remove(agent: string): Promise<void> {
    await this.query('DELETE FROM symbi_suspensions WHERE agent = $1', [agent])
    this.unwritten.delete(agent)
    this.madeAt.delete(agent)
    super.remove(agent)
    await this.query(`NOTIFY ${CHANNEL}`).catch(() => undefined)
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    const listener = this.listener
    this.listener = undefined
    await listener?.stop()
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    try {
      return await this.tracker.track(() => this.pool.query<T>(sql, params))
    } catch (e) {
      throw new Error(`suspension store (PostgreSQL) failed: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
}
