/** Key management on PostgreSQL: replicas share keys, see each other's revocations, and never lose one. */
import { sign } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeyManager } from '../../runtime/keys/index.js'
import { PostgresKeyStore } from '../../server/postgres/key-store.js'
import { PG_SKIP, freshDatabase } from './pg-harness.js'

let db: Awaited<ReturnType<typeof freshDatabase>>
beforeAll(async () => {
  if (!PG_SKIP) db = await freshDatabase()
}, 30_000)
afterAll(async () => {
  await db?.drop()
})

describe.skipIf(PG_SKIP)('PostgresKeyStore', () => {
  it('a key generated on one replica verifies on another; a revocation on one reaches the other by NOTIFY', async () => {
    const a = await PostgresKeyStore.open(db.pool, { listen: true })
    const b = await PostgresKeyStore.open(db.pool, { listen: true })
    try {
      const ka = new KeyManager(a)
      const kb = new KeyManager(b)
      const rec = await ka.generate('alice')
      await b.refresh()
      const s = ka.signer('alice')
      const claim = { keyId: s.keyId, data: 'hello', signature: sign(null, Buffer.from('hello'), s.privateKey).toString('base64'), signedAt: Date.now() + 10, agent: 'alice' }
      expect(kb.verify(claim)).toMatchObject({ ok: true })
      await ka.revoke(rec.id, 'leaked')
      // No explicit refresh on b: its LISTEN connection picks the change up.
      await expect.poll(() => kb.verify({ ...claim, signedAt: Date.now() + 10 }).ok, { timeout: 5000 }).toBe(false)
      expect(kb.verify({ ...claim, signedAt: Date.now() + 10 })).toMatchObject({ code: 'revoked' })
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('two replicas revoking at the same moment both keep their revocation (row lock)', async () => {
    const a = await PostgresKeyStore.open(db.pool)
    const ka = new KeyManager(a)
    const x = await ka.generate('x-agent')
    const y = await ka.generate('y-agent')
    const b = await PostgresKeyStore.open(db.pool)
    const kb = new KeyManager(b)
    await Promise.all([ka.revoke(x.id, 'x compromised'), kb.revoke(y.id, 'y compromised')])
    const check = await PostgresKeyStore.open(db.pool)
    const ids = (check.revocations()?.entries ?? []).map((e) => e.keyId)
    expect(ids).toEqual(expect.arrayContaining([x.id, y.id]))
    expect(new KeyManager(check).list().filter((k) => k.status === 'revoked').map((k) => k.id).sort()).toEqual(expect.arrayContaining([x.id, y.id].sort()))
  })

  it('refuses ids that are not key ids before they reach SQL, and the table refuses them too', async () => {
    const s = await PostgresKeyStore.open(db.pool)
    expect(() => s.get("sha256:' OR 1=1 --")).toThrow(/not a key id/)
    await expect(db.pool.query("INSERT INTO symbi_keys (id, record) VALUES ('x', '{}')")).rejects.toThrow(/check constraint/)
  })
})

describe.skipIf(PG_SKIP)('symbi-policy keys --postgres', () => {
  it('generates and lists keys in the shared store', async () => {
    const { main } = await import('../../cli/main.js')
    let out = ''
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (out += t), readStdin: async () => '', env: {}, cwd: process.cwd() }
    expect(await main(['keys', 'generate', '--agent', 'cli-agent', '--postgres', db.url], io)).toBe(0)
    out = ''
    expect(await main(['keys', 'list', '--format', 'json', '--postgres', db.url], io)).toBe(0)
    const keys = (JSON.parse(out) as { keys: { agent?: string; kind: string }[] }).keys
    expect(keys.some((k) => k.agent === 'cli-agent' && k.kind === 'agent')).toBe(true)
    expect(await main(['keys', 'list', '--postgres', db.url, '--store', 'x'], io)).toBe(2)
  })
})
