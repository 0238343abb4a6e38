import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verify } from '../../runtime/audit/verify-log.js'
import { createService, ServingSet, type Service } from '../../server/index.js'
import { PostgresApprovals } from '../../server/postgres/approvals.js'
import { PostgresTofuStore } from '../../server/postgres/tofu-store.js'
import { PostgresAudit } from '../../server/postgres/audit.js'
import { ChainInUseError, PostgresAuditStore, readChains } from '../../server/postgres/audit-store.js'
import { migrate, schemaVersion, LATEST_SCHEMA } from '../../server/postgres/migrations.js'
import { openPool } from '../../server/postgres/pool.js'
import { syntheticDeny } from '../../runtime/enforce/forbidden-error.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { freshDatabase, PG_SKIP } from './pg-harness.js'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { webhookReceiver } from '../runtime/events/receiver.js'

const POLICY = `policy ops {
  allow: deploy if principal.role == "engineer"
  allow: read if true
  require: approval("supervisor") for deploy
}
`
const key = generateKeyPairSync('ed25519')
const provider = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const DEPLOY: AuthzRequest = { principal: { id: 'eng-1', role: 'engineer' }, action: 'deploy' }
const READ: AuthzRequest = { principal: { id: 'eng-1' }, action: 'read' }

describe.skipIf(PG_SKIP)('PostgreSQL shared stores (real server)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  const services: Service[] = []
  beforeAll(async () => {
    db = await freshDatabase()
  })
  afterAll(async () => {
    for (const s of services) await s.close()
    await db?.drop()
  })

  const tofuOf = new Map<string, PostgresTofuStore>()
  async function replica(name: string, url = db.url, options: { timeoutMs?: number } = {}): Promise<Service> {
    const serving = new ServingSet()
    expect(serving.loadSources([{ name: 'ops.policy', source: POLICY }], undefined)).toBe(true)
    const audit = await PostgresAudit.open({ url, chainId: name, signingKey: key.privateKey, mode: 'every', retryMs: 100, pool: { queryTimeoutMs: 2000, connectTimeoutMs: 1000 } })
    const pool = openPool(url, { queryTimeoutMs: 2000, connectTimeoutMs: 1000 })
    const decider = { evaluate: (r: AuthzRequest) => serving.engine?.evaluate(r) ?? syntheticDeny('not ready') }
    const approvals = new PostgresApprovals({ url, pool, decider, audit, replica: name, ...options, sweepMs: 100 })
    const tofu = new PostgresTofuStore(pool)
    tofuOf.set(name, tofu)
    const s = createService({ serving, audit, approvals, auditTimeoutMs: 3000, stores: () => ({ tofu: tofu.health() }) })
    const close = s.close.bind(s)
    const wrapped: Service = { ...s, close: async () => (await close(), await pool.end().catch(() => undefined)) }
    services.push(wrapped)
    return wrapped
  }

  async function post(s: Service, url: string, body: unknown) {
    const r = await s.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    return { status: r.statusCode, body: r.json() as Record<string, unknown> }
  }

  it('migrations are versioned and idempotent, also when replicas run them at once', async () => {
    expect(await schemaVersion(db.pool)).toBe(LATEST_SCHEMA)
    const again = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)])
    expect(again.map((r) => r.applied.length)).toEqual([0, 0, 0])
    expect((await db.pool.query('SELECT count(*)::int AS n FROM symbi_migrations')).rows[0]).toEqual({ n: LATEST_SCHEMA })
  })

  it('audit rows are append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const s = await replica('append-only')
    await post(s, '/v1/evaluate', READ)
    for (const sql of ["UPDATE symbi_audit_events SET record = '{}' WHERE chain_id = 'append-only'", "DELETE FROM symbi_audit_events WHERE chain_id = 'append-only'", 'TRUNCATE symbi_audit_events']) {
      await expect(db.pool.query(sql)).rejects.toThrow(/append-only/)
    }
  })

  it('one writer per chain: a second process opening the same chain is refused', async () => {
    const first = new PostgresAuditStore(db.url, 'exclusive')
    await first.open()
    await expect(new PostgresAuditStore(db.url, 'exclusive').open()).rejects.toBeInstanceOf(ChainInUseError)
    await first.close()
    const again = new PostgresAuditStore(db.url, 'exclusive')
    await again.open()
    await again.close()
  })

  it('a request parked at replica A is listed and approved at replica B, and completes at A (NOTIFY wakes A)', async () => {
    const a = await replica('replica-a')
    const b = await replica('replica-b')
    const parked = await post(a, '/v1/evaluate', DEPLOY)
    expect(parked.body['effect']).toBe('require_approval')
    const id = parked.body['approvalId'] as string
    const listed = (await b.app.inject({ url: '/v1/approvals' })).json() as { approvals: { id: string }[] }
    expect(listed.approvals.map((x) => x.id)).toContain(id)
    const waiting = a.app.inject({ url: `/v1/approvals/${id}?wait=20` })
    await new Promise((r) => setTimeout(r, 200))
    const t0 = Date.now()
    const approved = await post(b, `/v1/approvals/${id}/approve`, { approver: 'supervisor' })
    expect(approved.body['decision']).toMatchObject({ effect: 'allow' })
    const completed = (await waiting).json() as Record<string, unknown>
    expect(completed).toMatchObject({ id, status: 'approved', decision: { effect: 'allow' }, grantedBy: ['supervisor'] })
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(await post(a, `/v1/approvals/${id}/approve`, { approver: 'supervisor' })).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } })
  })

  it('two replicas approving at once: exactly one resolves it (FOR UPDATE SKIP LOCKED), the other is a 409', async () => {
    const a = await replica('race-a')
    const b = await replica('race-b')
    for (let i = 0; i < 5; i++) {
      const id = (await post(a, '/v1/evaluate', DEPLOY)).body['approvalId'] as string
      const results = await Promise.all([post(a, `/v1/approvals/${id}/approve`, { approver: 'supervisor' }), post(b, `/v1/approvals/${id}/reject`, { approver: 'supervisor' })])
      expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    }
  })

  it('expiry follows the database clock: a parked request past its time is timed out and audited once', async () => {
    const a = await replica('expiry', db.url, { timeoutMs: 300 })
    const id = (await post(a, '/v1/evaluate', DEPLOY)).body['approvalId'] as string
    await new Promise((r) => setTimeout(r, 800))
    const shown = (await a.app.inject({ url: `/v1/approvals/${id}` })).json() as Record<string, unknown>
    expect(shown).toMatchObject({ status: 'timed_out', decision: { effect: 'deny', reason: 'timeout' } })
    expect(await post(a, `/v1/approvals/${id}/approve`, { approver: 'supervisor' })).toMatchObject({ status: 409 })
    const chains = await readChains(db.pool)
    const timeouts = chains.flatMap((c) => c.records).filter((r) => (r as { details?: { approval_id?: string; outcome?: string } }).details?.approval_id === id && (r as { details: { outcome: string } }).details.outcome === 'timed_out')
    expect(timeouts).toHaveLength(1)
  })

  it('every chain verifies; a superuser who rewrites a row (trigger disabled) is caught at that row', async () => {
    const s = await replica('tamper')
    for (let i = 0; i < 5; i++) await post(s, '/v1/evaluate', READ)
    for (const c of await readChains(db.pool)) expect(await verify(c.records, { publicKey: key.publicKey, live: true })).toMatchObject({ ok: true })
    await db.pool.query('ALTER TABLE symbi_audit_events DISABLE TRIGGER symbi_audit_no_update')
    await db.pool.query(`UPDATE symbi_audit_events SET record = replace(record, '"effect":"allow"', '"effect":"deny"') WHERE chain_id = 'tamper' AND seq = 3`)
    await db.pool.query('ALTER TABLE symbi_audit_events ENABLE TRIGGER symbi_audit_no_update')
    const [chain] = await readChains(db.pool, 'tamper')
    const r = await verify(chain?.records ?? [], { publicKey: key.publicKey })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(chain?.seqs[r.index]).toBe(3)
    // The command line finds it too, and reports it as an audit_tamper security event.
    const receiver = await webhookReceiver()
    try {
      let out = ''
      const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: process.cwd() }
      expect(await main(['audit', 'verify', '--postgres', db.url, '--chain', 'tamper', '--webhook', receiver.url], io)).toBe(1)
      expect(out).toMatch(/^chain tamper: FAILED at row 3 /)
      expect(receiver.bodies).toEqual([expect.objectContaining({ category: 'audit_tamper', severity: 'critical', affected: ['audit:postgres:tamper'] })])
    } finally {
      await receiver.close()
    }
  })

  it('evidence exported from one replica\'s chain verifies on its own (audit export --postgres)', async () => {
    const s = await replica('evidence')
    for (let i = 0; i < 8; i++) await post(s, '/v1/evaluate', READ)
    const [chain] = await readChains(db.pool, 'evidence')
    const stamps = (chain?.records ?? []).map((r) => (r as { timestamp: string }).timestamp)
    const dir = mkdtempSync(join(tmpdir(), 'symbi-pg-evidence-'))
    try {
      writeFileSync(join(dir, 'private.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
      writeFileSync(join(dir, 'public.pem'), key.publicKey.export({ type: 'spki', format: 'pem' }))
      let out = ''
      const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }
      const args = ['--from', stamps[3] as string, '--to', stamps[5] as string, '--signing-key', 'private.pem', '-o', 'evidence.log']
      expect(await main(['audit', 'export', '--postgres', db.url, '--chain', 'evidence', ...args], io)).toBe(0)
      expect(out).toMatch(/^exported \d+ records \(\d+ before them stood for by a signed tombstone\)/)
      const exported = readFileSync(join(dir, 'evidence.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; timestamp: string })
      expect(exported[0]?.type).toBe('retention_tombstone')
      expect(exported.slice(1).map((r) => r.timestamp)).toContain(stamps[4])
      expect(await verify(join(dir, 'evidence.log'), { publicKey: key.publicKey })).toMatchObject({ ok: true })
      // Only with a chain; a missing chain is a usage error, and so is a log file as well.
      expect(await main(['audit', 'export', '--postgres', db.url, ...args.slice(0, -1), 'e2.log'], io)).toBe(2)
      expect(await main(['audit', 'export', '--postgres', db.url, '--chain', 'no-such-chain', ...args.slice(0, -1), 'e3.log'], io)).toBe(2)
      expect(out).toContain("no audit chain 'no-such-chain' in the database")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('database unreachable: audited decisions deny (never allow) and ready says why; both recover when it is back', async () => {
    const target = new URL(db.url)
    const proxy = await tcpProxy(target.hostname, Number(target.port))
    const viaProxy = new URL(db.url)
    viaProxy.port = String(proxy.port)
    const s = await replica('outage', viaProxy.toString())
    expect((await post(s, '/v1/evaluate', READ)).body['effect']).toBe('allow')
    proxy.down()
    const during = await post(s, '/v1/evaluate', READ)
    expect(during.status).toBe(200)
    expect(during.body['effect']).toBe('deny')
    expect(during.body['reason']).toMatch(/^audit_unavailable/)
    for (let i = 0; i < 5; i++) expect((await post(s, '/v1/evaluate', READ)).body['effect']).toBe('deny')
    const ready = await s.app.inject({ url: '/health/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toMatchObject({ error: { code: 'not_ready', message: expect.stringContaining('audit store (postgres) is failing') } })
    const approvalsDown = Date.now() + 5000
    let stores = {} as { approvals?: { ok: boolean; message?: string } }
    while (Date.now() < approvalsDown && stores.approvals?.ok !== false) {
      await new Promise((r) => setTimeout(r, 100))
      stores = ((await s.app.inject({ url: '/v1/status' })).json() as { stores: typeof stores }).stores
    }
    expect(stores.approvals).toMatchObject({ ok: false, message: expect.any(String) })
    // A TOFU check cannot reach the pins: it fails closed, and the store says so.
    const tofu = tofuOf.get('outage') as PostgresTofuStore
    await expect(tofu.check('provider-x', provider.publicKey.export({ type: 'spki', format: 'pem' }).toString())).rejects.toThrow(/key store \(PostgreSQL\) failed/)
    expect(((await s.app.inject({ url: '/v1/status' })).json() as { stores: unknown }).stores).toMatchObject({ tofu: { kind: 'postgres', ok: false, message: expect.any(String) } })
    expect((await s.app.inject({ url: '/health/ready' })).json()).toMatchObject({ error: { message: expect.stringContaining('tofu store (postgres) is failing') } })
    proxy.up()
    const end = Date.now() + 15_000
    let effect = 'deny'
    while (Date.now() < end && effect !== 'allow') {
      await new Promise((r) => setTimeout(r, 200))
      effect = (await post(s, '/v1/evaluate', READ)).body['effect'] as string
    }
    expect(effect).toBe('allow')
    const readyBy = Date.now() + 5000
    // The pins are read again (the first check after the outage pins the key) and the store is healthy.
    const tofuBy = Date.now() + 5000
    let pinned: unknown
    while (Date.now() < tofuBy && pinned === undefined) pinned = await tofu.check('provider-x', provider.publicKey.export({ type: 'spki', format: 'pem' }).toString()).catch(() => new Promise((r) => setTimeout(() => r(undefined), 100)))
    expect(pinned).toMatchObject({ status: 'first_use' })
    while (Date.now() < readyBy && (await s.app.inject({ url: '/health/ready' })).statusCode !== 200) await new Promise((r) => setTimeout(r, 100))
    expect((await s.app.inject({ url: '/health/ready' })).statusCode).toBe(200)
    expect(((await s.app.inject({ url: '/v1/status' })).json() as { stores: unknown }).stores).toMatchObject({ audit: { ok: true }, approvals: { ok: true }, tofu: { ok: true } })
    await proxy.close()
    const [chain] = await readChains(db.pool, 'outage')
    expect(await verify(chain?.records ?? [], { publicKey: key.publicKey })).toMatchObject({ ok: true })
  }, 60_000)
})

/** A TCP proxy to PostgreSQL that a test can take down (dropping every connection) and bring back. */
async function tcpProxy(host: string, port: number): Promise<{ port: number; down(): void; up(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let accepting = true
  const server: Server = createServer((client) => {
    if (!accepting) return void client.destroy()
    const upstream = connect(port, host)
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as { port: number }).port,
    down() {
      accepting = false
      for (const s of sockets) s.destroy()
    },
    up() {
      accepting = true
    },
    close: () => new Promise<void>((r) => (this_close(server, sockets, r))),
  }
}

function this_close(server: Server, sockets: Set<Socket>, done: () => void): void {
  for (const s of sockets) s.destroy()
  server.close(() => done())
}
