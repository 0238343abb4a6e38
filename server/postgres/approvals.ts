/**
 * Approvals shared by every replica, in PostgreSQL. A request parked at one replica can be
 * approved at any other: the resolving replica claims the row with `SELECT … FOR UPDATE SKIP
 * LOCKED` (two approvers at two replicas cannot both resolve it), decides the ORIGINAL request
 * again with the grants added (approval never bypasses policy), audits, updates the row and
 * NOTIFYs the id (never the request) so a replica waiting on it re-reads the row. Expiry uses
 * the database clock only, so replicas with skewed clocks agree on what has expired.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { withGrants } from '../../runtime/approvals/approval-queue.js'
import type { ApprovalStatus } from '../../runtime/approvals/approval-queue.js'
import type { AuditSink } from '../../runtime/audit-sink.js'
import { DEFAULT_AUDIT_TIMEOUT_MS, withinBound } from '../../runtime/bounded.js'
import { HealthTracker, type StoreHealth } from '../../runtime/store-health.js'
import { decideSafely } from '../../runtime/enforce/decide.js'
import { actionName, syntheticDeny } from '../../runtime/enforce/forbidden-error.js'
import type { AuthzRequest, Decision, PolicyDecider } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import { ApprovalRefused, type ApprovalBackend, type ApprovalView } from '../approvals.js'
import { clientConfig, type PoolOptions } from './pool.js'

/** Options of {@link PostgresApprovals}. */
export interface PostgresApprovalsOptions {
  readonly url: string
  readonly pool: pg.Pool
  /** Decides a request again once a grant is added (the serving engine). */
  readonly decider: PolicyDecider
  /** Receives one `approval` event per resolution step; a refused append makes the outcome a deny. */
  readonly audit: AuditSink
  /** This replica's name, stored with the requests it parks. */
  readonly replica: string
  /** How long a request may stay parked; default 120 s. */
  readonly timeoutMs?: number
  /** How often expired requests are swept; default 5 s. */
  readonly sweepMs?: number
  readonly poolOptions?: PoolOptions
  readonly log?: (line: string) => void
}

const CHANNEL = 'symbi_approvals'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Row {
  id: string
  agent_id: string
  request: AuthzRequest
  approvers: string[]
  grants: ValueRecord[]
  status: ApprovalStatus
  decision: Decision | null
  expired: boolean
}

const COLUMNS = 'id, agent_id, request, approvers, grants, status, decision, (status = \'pending\' AND expires_at <= now()) AS expired'

function view(r: Row): ApprovalView {
  // A pending row past its expiry is shown as what the sweeper will make it.
  const status: ApprovalStatus = r.expired ? 'timed_out' : r.status
  const base = { id: r.id, agentId: r.agent_id, request: r.request, approvers: r.approvers, grantedBy: r.grants.map((g) => String(g['approver'])), status }
  const decision = r.expired ? syntheticDeny('timeout') : r.decision
  return decision === null ? base : { ...base, decision }
}

/** Approvals in PostgreSQL. */
export class PostgresApprovals implements ApprovalBackend {
  readonly #o: PostgresApprovalsOptions
  readonly #waiters = new Map<string, Set<() => void>>()
  #listener: pg.Client | undefined
  #sweep: NodeJS.Timeout | undefined
  #closed = false
  readonly #health = new HealthTracker('postgres')

  constructor(options: PostgresApprovalsOptions) {
    this.#o = options
    this.#sweep = setInterval(() => void this.sweep().catch(() => undefined), options.sweepMs ?? 5000)
    this.#sweep.unref()
    void this.#listen()
  }

  async park(request: AuthzRequest, decision: Decision & { effect: 'require_approval' }, agentId: string): Promise<string> {
    const id = randomUUID()
    const seconds = (this.#o.timeoutMs ?? 120_000) / 1000
    await this.#query(
      "INSERT INTO symbi_approvals (id, replica, agent_id, request, approvers, expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
      [id, this.#o.replica, agentId, JSON.stringify(request), JSON.stringify(decision.approvers), seconds],
    )
    return id
  }

  async list(): Promise<readonly ApprovalView[]> {
    const r = await this.#query<Row>(`SELECT ${COLUMNS} FROM symbi_approvals WHERE status = 'pending' AND expires_at > now() ORDER BY created_at, id LIMIT 1000`)
    return r.rows.map(view)
  }

  async get(id: string): Promise<ApprovalView | undefined> {
    if (!UUID.test(id)) return undefined
    const r = await this.#query<Row>(`SELECT ${COLUMNS} FROM symbi_approvals WHERE id = $1`, [id])
    return r.rows[0] === undefined ? undefined : view(r.rows[0])
  }

  async pendingCount(): Promise<number> {
    const r = await this.#query<{ n: string }>("SELECT count(*) AS n FROM symbi_approvals WHERE status = 'pending' AND expires_at > now()")
    return Number(r.rows[0]?.n ?? 0)
  }

  approve(id: string, approver: string, reason: string | undefined): Promise<{ decision: Decision; approval: ApprovalView }> {
    return this.#resolve(id, approver, reason, 'approve')
  }

  reject(id: string, by: string, reason: string | undefined): Promise<{ decision: Decision; approval: ApprovalView }> {
    return this.#resolve(id, by, reason, 'reject')
  }

  /** Waits until `id` is resolved or `ms` pass; returns what the row says then. */
  async waitResolved(id: string, ms: number): Promise<ApprovalView | undefined> {
    const deadline = Date.now() + ms
    for (;;) {
      const now = await this.get(id)
      const left = deadline - Date.now()
      if (now === undefined || now.status !== 'pending' || left <= 0 || this.#closed) return now
      await this.#wake(id, left)
    }
  }

  /** Resolves on a NOTIFY for `id`, a listener reconnect, or after `ms`. */
  #wake(id: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const set = this.#waiters.get(id) ?? new Set()
      const done = (): void => {
        clearTimeout(timer)
        set.delete(done)
        if (set.size === 0) this.#waiters.delete(id)
        resolve()
      }
      const timer = setTimeout(done, ms)
      set.add(done)
      this.#waiters.set(id, set)
    })
  }

  /** Marks expired pending requests timed out (each row is returned to exactly one replica, which audits it). */
  async sweep(): Promise<number> {
    const r = await this.#query<{ id: string; agent_id: string; request: AuthzRequest }>(
      `UPDATE symbi_approvals SET status = 'timed_out', decision = $1, resolved_at = now(), resolved_by = 'system', reason = 'timeout'
       WHERE status = 'pending' AND expires_at <= now() RETURNING id, agent_id, request`,
      [JSON.stringify(syntheticDeny('timeout'))],
    )
    for (const row of r.rows) {
      await this.#record(row.id, row.agent_id, row.request, 'timed_out', 'system', 'timeout')
      await this.#query('SELECT pg_notify($1, $2)', [CHANNEL, row.id]).catch(() => undefined)
    }
    return r.rows.length
  }

  health(): StoreHealth {
    return this.#health.health()
  }

  /** A pool query whose failure (or recovery) is what `health()` reports. */
  #query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#health.track(() => this.#o.pool.query<R>(sql, params))
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#sweep !== undefined) clearInterval(this.#sweep)
    const l = this.#listener
    this.#listener = undefined
    await l?.end().catch(() => undefined)
    for (const set of this.#waiters.values()) for (const w of [...set]) w()
  }

  async #resolve(id: string, by: string, reason: string | undefined, kind: 'approve' | 'reject'): Promise<{ decision: Decision; approval: ApprovalView }> {
    if (!UUID.test(id)) throw new ApprovalRefused('not_found', `unknown approval id '${id}'`)
    let client: pg.PoolClient
    try {
      client = await this.#o.pool.connect()
    } catch (e) {
      this.#health.fail(e)
      throw e
    }
    let committed = false
    try {
      await client.query('BEGIN')
      const claimed = await client.query<Row>(`SELECT ${COLUMNS} FROM symbi_approvals WHERE id = $1 FOR UPDATE SKIP LOCKED`, [id])
      const row = claimed.rows[0]
      if (row === undefined) {
        await client.query('ROLLBACK')
        const exists = await this.get(id)
        if (exists === undefined) throw new ApprovalRefused('not_found', `unknown approval id '${id}'`)
        throw new ApprovalRefused('conflict', exists.status === 'pending' ? `approval '${id}' is being resolved at another replica` : `approval '${id}' is already resolved (${exists.status})`)
      }
      if (row.status !== 'pending' || row.expired) {
        await client.query('ROLLBACK')
        throw new ApprovalRefused('conflict', `approval '${id}' is already resolved (${row.expired ? 'timed_out' : row.status})`)
      }
      const now = (await client.query<{ t: Date }>('SELECT now() AS t')).rows[0]?.t ?? new Date()
      let decision: Decision
      let status: ApprovalStatus
      let grants = row.grants
      let approvers: readonly string[] = row.approvers
      if (kind === 'reject') {
        decision = syntheticDeny(`rejected by ${by}`)
        status = 'rejected'
        await this.#record(id, row.agent_id, row.request, 'rejected', by, reason ?? `rejected by ${by}`)
      } else {
        grants = [...row.grants, { approver: by, approval_id: id, granted_at: now.toISOString() }]
        decision = await decideSafely(this.#o.decider, withGrants(row.request, grants))
        if (decision.effect === 'require_approval') {
          approvers = decision.approvers
          status = 'pending'
          await this.#record(id, row.agent_id, row.request, 'still_pending', by, `policy still requires approval by ${decision.approvers.join(', ')}`)
        } else {
          const permitted = decision.effect !== 'deny'
          const audited = await this.#record(id, row.agent_id, row.request, permitted ? 'approved' : 'denied', by, decision.effect === 'deny' ? `denied after approval: ${decision.reason}` : (reason ?? 'approved'))
          if (!audited) decision = syntheticDeny('audit append failed for approval resolution')
          status = permitted && audited ? 'approved' : 'denied'
        }
      }
      const final = status === 'pending' ? null : decision
      await client.query(
        `UPDATE symbi_approvals SET status = $2, grants = $3, approvers = $4, decision = $5,
           resolved_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END, resolved_by = CASE WHEN $2 = 'pending' THEN NULL ELSE $6 END, reason = $7
         WHERE id = $1`,
        [id, status, JSON.stringify(grants), JSON.stringify(approvers), final === null ? null : JSON.stringify(final), by, reason ?? null],
      )
      // Delivered on commit, to every replica listening: the payload is the id, never the request.
      if (status !== 'pending') await client.query('SELECT pg_notify($1, $2)', [CHANNEL, id])
      await client.query('COMMIT')
      committed = true
      return { decision, approval: view({ ...row, status, grants, approvers: [...approvers], decision: final, expired: false }) }
    } catch (e) {
      if (!committed && !(e instanceof ApprovalRefused)) await client.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      client.release()
    }
  }

  async #record(id: string, agentId: string, request: AuthzRequest, outcome: string, by: string, reason: string): Promise<boolean> {
    const details: Record<string, Value> = { approval_id: id, outcome, by, reason, action: actionName(request.action) }
    if (request.resource !== undefined) details['resource'] = request.resource.id
    try {
      await withinBound(this.#o.audit.append({ agentId, type: 'approval', details }), DEFAULT_AUDIT_TIMEOUT_MS, 'audit append')
      return true
    } catch {
      return false
    }
  }

  /** Keeps one LISTEN connection; after a reconnect every waiter re-reads its row (a NOTIFY may have been missed). */
  async #listen(): Promise<void> {
    if (this.#closed) return
    const client = new pg.Client({ ...clientConfig(this.#o.url, this.#o.poolOptions), query_timeout: undefined, statement_timeout: undefined } as pg.ClientConfig)
    const retry = (): void => {
      if (this.#listener === client) this.#listener = undefined
      void client.end().catch(() => undefined)
      if (this.#closed) return
      setTimeout(() => void this.#listen(), 1000).unref()
    }
    client.on('error', retry)
    client.on('notification', (n) => {
      const id = n.payload
      if (id !== undefined) for (const w of [...(this.#waiters.get(id) ?? [])]) w()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNEL}`)
      this.#listener = client
      for (const set of this.#waiters.values()) for (const w of [...set]) w()
    } catch {
      retry()
    }
  }
}
