/**
 * Retention on audit chains in PostgreSQL (real server): rows older than the retention go — or
 * into an archive that verifies on its own — and the chain's signed tombstone stands for them, so
 * the chain still verifies while its writer keeps appending and after it restarts. The database
 * refuses deletions no tombstone covers and a tombstone moving back; a forged tombstone that
 * moves forward is caught by `audit verify`.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { verify } from '../../runtime/audit/verify-log.js'
import type { AuditEvent, TombstoneDetails } from '../../runtime/audit/event.js'
import { PostgresAudit } from '../../server/postgres/audit.js'
import { readChains } from '../../server/postgres/audit-store.js'
import { applyChainRetention } from '../../server/postgres/retention.js'
import { freshDatabase, PG_SKIP } from './pg-harness.js'

const key = generateKeyPairSync('ed25519')
const OLD = Date.UTC(2019, 0, 1)
const NEW = Date.UTC(2026, 0, 1)
const BEFORE = Date.UTC(2020, 0, 1)

describe.skipIf(PG_SKIP)('audit retention in PostgreSQL (real server)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  const dir = mkdtempSync(join(tmpdir(), 'symbi-pg-retention-'))
  beforeAll(async () => {
    db = await freshDatabase()
    writeFileSync(join(dir, 'private.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(join(dir, 'public.pem'), key.publicKey.export({ type: 'spki', format: 'pem' }))
  })
  afterAll(async () => {
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  let now = OLD
  const open = (chainId: string, at = OLD) => (now = at, PostgresAudit.open({ url: db.url, chainId, signingKey: key.privateKey, mode: 'checkpoint', checkpointEvery: 4, checkpointIntervalMs: 60_000, clock: () => now }))
  const append = async (audit: PostgresAudit, n: number, at: number) => {
    now = at
    for (let i = 0; i < n; i++) await audit.append({ agentId: `agent-${i % 3}`, type: 'policy_decision', details: { effect: 'allow', i } })
  }
  async function chainOf(id: string) {
    const [c] = await readChains(db.pool, id)
    expect(c).toBeDefined()
    return c as NonNullable<typeof c>
  }
  const verifies = async (id: string) => verify((await chainOf(id)).records, { publicKey: key.publicKey, live: true })

  it('prunes old rows under a signed tombstone while the writer runs; the chain and the archive verify; the writer resumes after a restart', async () => {
    const audit = await open('r1')
    await append(audit, 10, OLD)
    await append(audit, 6, NEW)
    const before = await chainOf('r1')
    const r = await applyChainRetention(db.pool, 'r1', { before: BEFORE, signingKey: key.privateKey, archive: join(dir, 'r1-archive.log') })
    expect(r.removed).toBeGreaterThanOrEqual(8)
    expect(r.tombstone?.type).toBe('retention_tombstone')
    const after = await chainOf('r1')
    expect(after.records.length).toBe(before.records.length - r.removed + 1)
    expect(after.seqs[0]).toBe(r.deleted)
    expect(after.seqs[1]).toBe(r.deleted + 1)
    // Every remaining record is from after the cut: the last deleted one was signed and old.
    const tomb = after.records[0] as AuditEvent
    expect((tomb.details as TombstoneDetails).last_hash).toBe((before.records[r.deleted - 1] as AuditEvent).hash)
    expect(await verifies('r1')).toMatchObject({ ok: true })
    expect(await verify(join(dir, 'r1-archive.log'), { publicKey: key.publicKey })).toMatchObject({ ok: true, count: r.deleted })
    expect((await db.pool.query("SELECT count(*)::int AS n FROM symbi_audit_events WHERE chain_id = 'r1'")).rows[0]).toEqual({ n: after.records.length - 1 })

    // The writer was running all along: it keeps appending; then it restarts and goes on.
    await append(audit, 5, NEW + 1000)
    expect(await verifies('r1')).toMatchObject({ ok: true })
    await audit.close()
    const again = await open('r1', NEW + 2000)
    await append(again, 5, NEW + 2000)
    await again.close()
    const final = await verify((await chainOf('r1')).records, { publicKey: key.publicKey })
    expect(final).toMatchObject({ ok: true })

    // A second retention moves the tombstone forward; the chain still verifies.
    const r2 = await applyChainRetention(db.pool, 'r1', { before: NEW + 1500, signingKey: key.privateKey })
    expect(r2.removed).toBeGreaterThan(0)
    expect(r2.deleted).toBeGreaterThan(r.deleted)
    expect(await verifies('r1')).toMatchObject({ ok: true })
    // Nothing left to prune: no signed record before the time that is not the last row.
    const r3 = await applyChainRetention(db.pool, 'r1', { before: NEW + 1500, signingKey: key.privateKey })
    expect(r3.removed).toBe(0)
  })

  it('never prunes a chain\'s last row, even when every record is old', async () => {
    const audit = await open('r2')
    await append(audit, 8, OLD)
    await audit.close() // closing signs the tail
    const rows = (await chainOf('r2')).records.length
    const r = await applyChainRetention(db.pool, 'r2', { before: NEW, signingKey: key.privateKey })
    expect(r.removed).toBeGreaterThan(0)
    expect(r.kept).toBeGreaterThanOrEqual(1)
    expect((await chainOf('r2')).records.length).toBe(rows - r.removed + 1)
    const reopened = await open('r2', NEW)
    await append(reopened, 3, NEW)
    await reopened.close()
    expect(await verify((await chainOf('r2')).records, { publicKey: key.publicKey })).toMatchObject({ ok: true })
  })

  it('the database refuses deletions no tombstone covers, a tombstone moving back or removed; a forged tombstone fails verification', async () => {
    const audit = await open('r3')
    await append(audit, 10, OLD)
    await append(audit, 4, NEW)
    await audit.close()
    await expect(db.pool.query("DELETE FROM symbi_audit_events WHERE chain_id = 'r3' AND seq = 1")).rejects.toThrow(/append-only: DELETE refused/)
    const r = await applyChainRetention(db.pool, 'r3', { before: BEFORE, signingKey: key.privateKey })
    expect(r.removed).toBeGreaterThan(0)
    await expect(db.pool.query("DELETE FROM symbi_audit_events WHERE chain_id = 'r3' AND seq = $1", [r.deleted + 1])).rejects.toThrow(/append-only: DELETE refused/)
    await expect(db.pool.query("UPDATE symbi_audit_tombstones SET cut_seq = 1 WHERE chain_id = 'r3'")).rejects.toThrow(/only moves forward/)
    await expect(db.pool.query("DELETE FROM symbi_audit_tombstones WHERE chain_id = 'r3'")).rejects.toThrow(/only moves forward/)
    await expect(db.pool.query('TRUNCATE symbi_audit_tombstones')).rejects.toThrow(/only moves forward/)
    expect(await verifies('r3')).toMatchObject({ ok: true })

    // Someone with write access moves the tombstone forward by hand and deletes what it now
    // "covers": the database lets it through, verification does not.
    await db.pool.query("UPDATE symbi_audit_tombstones SET cut_seq = cut_seq + 3 WHERE chain_id = 'r3'")
    await db.pool.query("DELETE FROM symbi_audit_events WHERE chain_id = 'r3' AND seq <= (SELECT cut_seq FROM symbi_audit_tombstones WHERE chain_id = 'r3')")
    expect(await verifies('r3')).toMatchObject({ ok: false })
    let out = ''
    const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }
    expect(await main(['audit', 'verify', '--postgres', db.url, '--chain', 'r3', '--public-key', 'public.pem'], io)).toBe(1)
    expect(out).toMatch(/^chain r3: FAILED/)
    // …and retention refuses to launder it.
    await expect(applyChainRetention(db.pool, 'r3', { before: NEW, signingKey: key.privateKey })).rejects.toThrow(/does not verify .*nothing was deleted/)
  })

  it('audit prune --postgres --chain: prunes and reports; audit verify --postgres then passes; usage errors name what is wrong', async () => {
    const audit = await open('cli')
    await append(audit, 9, OLD)
    await append(audit, 3, NEW)
    await audit.close()
    let out = ''
    const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }
    expect(await main(['audit', 'prune', '--postgres', db.url, '--chain', 'cli', '--before', '2020-01-01', '--signing-key', 'private.pem', '--archive', 'cli-archive.log'], io)).toBe(0)
    expect(out).toMatch(/^pruned \d+ records \(\d+ deleted in all\); \d+ kept after a signed tombstone; archive sha256 [0-9a-f]{64}\n$/)
    out = ''
    expect(await main(['audit', 'verify', '--postgres', db.url, '--chain', 'cli', '--public-key', 'public.pem'], io)).toBe(0)
    expect(out).toMatch(/^chain cli: ok: \d+ events, head [0-9a-f]{64}, \d+ signatures verified, \d+ older events pruned \(up to 2019-01-01T/)
    out = ''
    expect(await main(['audit', 'verify', '--postgres', db.url, '--chain', 'cli'], io)).toBe(0)
    expect(out).toMatch(/signatures not checked \(no --public-key\), \d+ older events pruned \(up to .*\) behind a tombstone whose signature was not checked/)
    out = ''
    expect(await main(['audit', 'prune', '--postgres', db.url, '--before', '2020-01-01', '--signing-key', 'private.pem'], io)).toBe(2)
    expect(out).toMatch(/prune --postgres takes --chain <id>/)
    out = ''
    expect(await main(['audit', 'prune', '--postgres', db.url, '--chain', 'nope', '--before', '2020-01-01', '--signing-key', 'private.pem'], io)).toBe(1)
    expect(out).toMatch(/no audit chain 'nope'/)
    out = ''
    expect(await main(['audit', 'prune', '--postgres', 'postgres://postgres@127.0.0.1:1/x', '--chain', 'cli', '--before', '2020-01-01', '--signing-key', 'private.pem'], io)).toBe(2)
    expect(out).toMatch(/cannot prune audit chain 'cli' in postgres:\/\/.*127\.0\.0\.1:1/)
  })
})
