/**
 * Three `serve` processes on loopback sharing one PostgreSQL: approvals cross replicas, every
 * chain verifies with `audit verify --postgres`, and `kill -9` of a replica under load loses no
 * acknowledged decision (every decisionId a client got back is in a verified chain).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPairSync } from 'node:crypto'
import { withSignature } from '../../runtime/tools/schema-pin.js'
import { readChains } from '../../server/postgres/audit-store.js'
import { freshDatabase, PG_SKIP } from './pg-harness.js'

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js')
const POLICY = `policy ops {
  allow: deploy if principal.role == "engineer"
  allow: read if true
  require: approval("supervisor") for deploy
}
`

interface Replica {
  readonly name: string
  readonly url: string
  readonly child: ChildProcess
}

describe.skipIf(PG_SKIP)('three replicas, one database (processes)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let dir: string
  const children: ChildProcess[] = []
  beforeAll(async () => {
    db = await freshDatabase()
    dir = mkdtempSync(join(tmpdir(), 'symbi-replicas-'))
    writeFileSync(join(dir, 'ops.policy'), POLICY)
    expect(spawnSync(process.execPath, [CLI, 'audit', 'keygen', '--out', join(dir, 'keys')]).status).toBe(0)
  })
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await db?.drop()
  })

  async function start(name: string): Promise<Replica> {
    const child = spawn(process.execPath, [CLI, 'serve', join(dir, 'ops.policy'), '--listen', '127.0.0.1:0', '--postgres', db.url, '--signing-key', join(dir, 'keys/private.pem'), '--replica-id', name], { stdio: ['ignore', 'ignore', 'pipe'] })
    children.push(child)
    let err = ''
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
    const url = await new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`${name} did not start: ${err}`)), 30_000)
      child.stderr?.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(err)
        if (m) {
          clearTimeout(t)
          res(m[1] as string)
        }
      })
      child.on('exit', (code) => rej(new Error(`${name} exited ${code}: ${err}`)))
    })
    return { name, url, child }
  }

  async function call(r: Replica, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${r.url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  function verifyAll(): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--postgres', db.url, '--public-key', join(dir, 'keys/public.pem')], { encoding: 'utf8' })
    return { status: r.status, out: r.stdout + r.stderr }
  }

  it('parked at replica 1, approved at replica 3, completes at replica 1; a key pinned through replica 2 is a KeyMismatch at replica 1; all three chains verify', async () => {
    const [r1, r2, r3] = await Promise.all([start('r1'), start('r2'), start('r3')])
    const parked = await call(r1, '/v1/evaluate', { principal: { id: 'eng-1', role: 'engineer' }, action: 'deploy' })
    expect(parked.body['effect']).toBe('require_approval')
    const id = parked.body['approvalId'] as string
    expect(((await call(r2, '/v1/approvals')).body['approvals'] as { id: string }[]).map((a) => a.id)).toEqual([id])
    const waiting = call(r1, `/v1/approvals/${id}?wait=20`)
    await new Promise((r) => setTimeout(r, 300))
    expect((await call(r3, `/v1/approvals/${id}/approve`, { approver: 'supervisor' })).body['decision']).toMatchObject({ effect: 'allow' })
    expect((await waiting).body).toMatchObject({ id, status: 'approved', decision: { effect: 'allow' } })
    await call(r2, '/v1/evaluate', { principal: { id: 'x' }, action: 'read' })

    // TOFU: the provider's key pinned through replica 2 wins everywhere; another key is a KeyMismatch at replica 1.
    const tool = (k: ReturnType<typeof generateKeyPairSync>) => ({
      name: 'search',
      provider: 'acme-tools',
      schema: withSignature({ name: 'search', description: 'web search', parameters: { q: 'string' } }, k.privateKey),
      publicKey: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    })
    const genuine = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const impostor = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect((await call(r2, '/v1/tools/verify', tool(genuine))).body).toMatchObject({ status: 'first_use' })
    expect((await call(r3, '/v1/tools/verify', tool(genuine))).body).toMatchObject({ status: 'verified' })
    const mismatch = await call(r1, '/v1/tools/verify', tool(impostor))
    expect(mismatch.status).toBe(403)
    expect(mismatch.body).toMatchObject({ error: { code: 'tool_blocked', problem: 'key_mismatch', message: expect.stringContaining('KeyMismatch') } })
    // A mismatch is a verdict, not a failing store: the status shows the shared pins healthy.
    expect((await call(r1, '/v1/status')).body['stores']).toMatchObject({ tofu: { kind: 'postgres', ok: true } })
    // First use races between replicas: exactly one key wins.
    const fresh = (k: ReturnType<typeof generateKeyPairSync>) => ({ ...tool(k), provider: 'race-tools' })
    const racers = [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' })]
    const raced = await Promise.all([r1, r2, r3].map((r, i) => call(r, '/v1/tools/verify', fresh(racers[i] as ReturnType<typeof generateKeyPairSync>))))
    expect(raced.map((r) => r.status).sort()).toEqual([200, 403, 403])

    for (const r of [r1, r2, r3]) {
      const exit = new Promise((res) => r.child.on('exit', res))
      r.child.kill('SIGTERM')
      expect(await exit).toBe(0)
    }
    const v = verifyAll()
    expect(v.status).toBe(0)
    for (const name of ['r1', 'r2', 'r3']) expect(v.out).toMatch(new RegExp(`chain ${name}: ok: \\d+ events, head [0-9a-f]{64}, \\d+ signatures verified`))
    // A head exported earlier anchors the chain: still present → ok; a head the chain never had → failure.
    const [r1chain] = await readChains(db.pool, 'r1')
    const head = (r1chain?.records.at(-2) as { hash: string }).hash
    const anchored = (anchor: string) => spawnSync(process.execPath, [CLI, 'audit', 'verify', '--postgres', db.url, '--chain', 'r1', '--anchor', anchor, '--public-key', join(dir, 'keys/public.pem')], { encoding: 'utf8' })
    expect(anchored(head).status).toBe(0)
    const missing = anchored('ab'.repeat(32))
    expect(missing.status).toBe(1)
    expect(missing.stdout).toContain('chain r1: FAILED')
  }, 120_000)

  it('kill -9 under load loses no acknowledged decision', async () => {
    const victim = await start('victim')
    const acknowledged: string[] = []
    let stop = false
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await call(victim, '/v1/evaluate', { principal: { id: `load-${c}-${i}` }, action: 'read' })
          if (r.status === 200 && r.body['effect'] === 'allow') acknowledged.push(r.body['decisionId'] as string)
        } catch {
          return
        }
      }
    })
    await new Promise((r) => setTimeout(r, 1500))
    victim.child.kill('SIGKILL')
    stop = true
    await Promise.all(clients)
    expect(acknowledged.length).toBeGreaterThan(50)
    const [chain] = await readChains(db.pool, 'victim')
    const ids = new Set((chain?.records ?? []).map((r) => (r as { details?: { decision_id?: string } }).details?.decision_id).filter((x) => x !== undefined))
    const lost = acknowledged.filter((id) => !ids.has(id))
    expect(lost).toEqual([])
    const v = verifyAll()
    expect(v.out).toMatch(/chain victim: ok: /)
    expect(v.status).toBe(0)
  }, 120_000)
})
