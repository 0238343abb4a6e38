import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../../cli/io.js'
import { main } from '../../../cli/main.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { FileKeyStore, KeyManager } from '../../../runtime/keys/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string }> {
  let out = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd }
  return { code: await main(argv, io), out }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the audit trail verifies through key management', () => {
  it('accepts records signed while the key stood, and names the revocation for records signed after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-km-audit-'))
    dirs.push(dir)
    const km = new KeyManager(new FileKeyStore(join(dir, 'ks')))
    const rec = await km.generate('audit-writer')
    const log = join(dir, 'audit.log')
    const trail = await openAuditLog(log, { signingKey: km.signer('audit-writer').privateKey, mode: 'every' })
    for (let i = 0; i < 3; i++) await trail.append({ agentId: 'a', type: 'policy_decision', details: { i } })
    await pause(5)
    const ok = await cli(['audit', 'verify', 'audit.log', '--key-store', 'ks', '--key-id', rec.id], dir)
    expect(ok.out).toMatch(/^ok: 4 events/)
    expect(ok.code).toBe(0)

    await km.revoke(rec.id, 'signing host compromised')
    await pause(5)
    await trail.append({ agentId: 'a', type: 'policy_decision', details: { i: 3 } })
    await trail.close()
    const bad = await cli(['audit', 'verify', 'audit.log', '--key-store', 'ks', '--key-id', rec.id], dir)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/^FAILED at event 4: AUDIT_KEY_NOT_TRUSTED: .*revoked at .*signing host compromised/)
    // The same log with the bare public key: the signatures are fine, the standing is not checked.
    expect((await cli(['audit', 'verify', 'audit.log', '--key-store', 'ks'], dir)).code).toBe(2)
  })
})
