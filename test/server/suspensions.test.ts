/**
 * Suspended agents in PostgreSQL, against a real server: a suspension made through one replica's
 * monitor is denied at another replica's /v1/evaluate (NOTIFY), survives a restart (a store opened
 * afresh), makes approving the agent's parked request grant nothing, and an audited resume at any
 * replica lifts it everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecurityMonitor } from '../../runtime/events/index.js'
import { createService, ServingSet, type Service } from '../../server/index.js'
import { PostgresSuspensionStore } from '../../server/postgres/suspension-store.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { freshDatabase, PG_SKIP } from './pg-harness.js'

const POLICY = `policy ops {
  allow: read if true
  allow: deploy if principal.role == "engineer"
  require: approval("supervisor") for deploy
}
`
const READ: AuthzRequest = { principal: { id: 'agent-7' }, action: 'read' }
const DEPLOY: AuthzRequest = { principal: { id: 'agent-7', role: 'engineer' }, action: 'deploy' }

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(PG_SKIP)('suspensions shared through PostgreSQL (real server)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  const stores: PostgresSuspensionStore[] = []
  const services: Service[] = []
  beforeAll(async () => {
    db = await freshDatabase()
  })
  afterAll(async () => {
    for (const s of services) await s.close()
    for (const s of stores) await s.close()
    await db?.drop()
  })

  async function replica(): Promise<{ store: PostgresSuspensionStore; monitor: SecurityMonitor; service: Service }> {
    const store = await PostgresSuspensionStore.open(db.pool, { listen: true })
    stores.push(store)
    const monitor = new SecurityMonitor({ suspensions: store })
    const serving = new ServingSet()
    expect(serving.loadSources([{ name: 'ops.policy', source: POLICY }], undefined)).toBe(true)
    const service = createService({ serving, suspended: (agent) => store.get(agent) })
    services.push(service)
    return { store, monitor, service }
  }

  async function evaluate(s: Service, body: unknown): Promise<Record<string, unknown>> {
    const r = await s.app.inject({ method: 'POST', url: '/v1/evaluate', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    expect(r.statusCode).toBe(200)
    return r.json() as Record<string, unknown>
  }

  it('suspended at one replica: denied at the other, after a restart, and on approval; resumed at the other: allowed everywhere', async () => {
    const one = await replica()
    const two = await replica()
    expect((await evaluate(two.service, READ))['effect']).toBe('allow')
    const parked = await evaluate(two.service, DEPLOY)
    expect(parked['effect']).toBe('require_approval')

    await one.monitor.suspend('agent-7', 'signature_failure (critical): forged message', 'event-9')
    await until('replica two to see the suspension', () => two.store.get('agent-7') !== undefined)
    const denied = await evaluate(two.service, READ)
    expect(denied['effect']).toBe('deny')
    expect(denied['reason']).toMatch(/^agent 'agent-7' is suspended since .*: signature_failure \(critical\): forged message$/)
    expect(denied['determining']).toEqual([])
    // Other agents are untouched.
    expect((await evaluate(two.service, { principal: { id: 'agent-8' }, action: 'read' }))['effect']).toBe('allow')
    // Batches are checked request by request.
    const batch = await two.service.app.inject({ method: 'POST', url: '/v1/evaluate', payload: JSON.stringify({ requests: [READ, { principal: { id: 'agent-8' }, action: 'read' }] }), headers: { 'content-type': 'application/json' } })
    expect((batch.json() as { decisions: { effect: string }[] }).decisions.map((d) => d.effect)).toEqual(['deny', 'allow'])

    // Approving what the agent parked before its suspension grants nothing.
    const approved = await two.service.app.inject({ method: 'POST', url: `/v1/approvals/${String(parked['approvalId'])}/approve`, payload: JSON.stringify({ approver: 'supervisor' }), headers: { 'content-type': 'application/json' } })
    expect(approved.statusCode).toBe(200)
    expect((approved.json() as { decision: { effect: string; reason: string } }).decision).toMatchObject({ effect: 'deny', reason: expect.stringMatching(/agent 'agent-7' is suspended/) })

    // A restart: a store opened afresh reads it from the table.
    const restarted = await replica()
    expect(restarted.store.get('agent-7')).toMatchObject({ agent: 'agent-7', reason: 'signature_failure (critical): forged message', event: 'event-9' })
    expect((await evaluate(restarted.service, READ))['effect']).toBe('deny')

    // Resumed at replica two (audited by its monitor); replica one and the restarted one follow.
    expect(await two.monitor.resume('agent-7', 'ops@example.com', 'key rotated, reviewed')).toBe(true)
    await until('replica one to see the resume', () => one.store.get('agent-7') === undefined)
    await until('the restarted replica to see the resume', () => restarted.store.get('agent-7') === undefined)
    expect((await evaluate(one.service, READ))['effect']).toBe('allow')
    expect((await db.pool.query('SELECT count(*)::int AS n FROM symbi_suspensions')).rows[0]).toEqual({ n: 0 })
  })

  it('the database unreachable: a suspension still holds in this replica, a resume fails and the agent stays suspended', async () => {
    const { store, monitor, service } = await replica()
    await monitor.suspend('agent-x', 'first')
    await db.pool.query('ALTER TABLE symbi_suspensions RENAME TO symbi_suspensions_away')
    try {
      await expect(monitor.suspend('agent-y', 'second')).rejects.toThrow(/suspension store \(PostgreSQL\) failed/)
      expect(store.get('agent-y')?.reason).toBe('second')
      expect((await evaluate(service, { principal: { id: 'agent-y' }, action: 'read' }))['effect']).toBe('deny')
      await expect(monitor.resume('agent-x', 'ops', 'reviewed')).rejects.toThrow(/suspension store \(PostgreSQL\) failed/)
      expect((await evaluate(service, { principal: { id: 'agent-x' }, action: 'read' }))['effect']).toBe('deny')
      // A refresh that fails keeps what it had.
      await expect(store.refresh()).rejects.toThrow()
      expect(store.get('agent-x')).toBeDefined()
    } finally {
      await db.pool.query('ALTER TABLE symbi_suspensions_away RENAME TO symbi_suspensions')
    }
    // Back: a refresh keeps the suspension it could not write (suspending only denies more).
    await store.refresh()
    expect(store.get('agent-y')?.reason).toBe('second')
    expect(store.get('agent-x')?.reason).toBe('first')
  })
})

describe('a reload racing a suspension (the store against a scripted database)', () => {
  it('a suspension made while a reload reads the table survives that reload, also once its row is written', async () => {
    // The reload's SELECT is answered by hand, after the suspension's INSERT has completed: it
    // returns the table as it was before the row landed.
    let answer: (() => void) | undefined
    const pool = {
      query: (sql: string) =>
        sql.startsWith('SELECT')
          ? new Promise((resolve) => {
              answer = () => resolve({ rows: [] })
            })
          : Promise.resolve({ rows: [], rowCount: 1 }),
    }
    const opening = PostgresSuspensionStore.open(pool as never)
    answer?.()
    const store = await opening
    const reload = store.refresh()
    await store.put({ agent: 'racer', since: 1, reason: 'during a reload' })
    answer?.()
    await reload
    expect(store.get('racer')?.reason).toBe('during a reload')
    // A reload that starts after the write and does not find the row lifts it: once written, the
    // table is the authority (another replica resumed the agent).
    const again = store.refresh()
    answer?.()
    await again
    expect(store.get('racer')).toBeUndefined()
  })

  it('a database that does not answer at start: every agent counts as suspended until the table is read, and health says why', async () => {
    let up = false
    const pool = {
      query: (sql: string) => (up ? Promise.resolve(sql.startsWith('SELECT') ? { rows: [{ agent: 'mallory', since_ms: '5', reason: 'forged', event: null }] } : { rows: [], rowCount: 0 }) : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))),
      connect: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
    }
    await expect(PostgresSuspensionStore.open(pool as never, { refreshMs: 20 })).rejects.toThrow(/ECONNREFUSED/)
    const store = await PostgresSuspensionStore.open(pool as never, { refreshMs: 20, waitForDatabase: true })
    try {
      expect(store.get('alice')?.reason).toMatch(/could not be read from PostgreSQL yet, so every agent counts as suspended \(fail closed\): .*ECONNREFUSED/)
      expect(store.health()).toMatchObject({ kind: 'postgres', ok: false })
      up = true
      await until('the store to load', () => store.health().ok, 2000)
      expect(store.get('alice')).toBeUndefined()
      expect(store.get('mallory')).toEqual({ agent: 'mallory', since: 5, reason: 'forged' })
    } finally {
      await store.close()
    }
  })
})
