import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { FrameworkError, parseFramework } from '../../compliance/index.js'
import { openAuditLog } from '../../runtime/audit/open.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', env: {}, cwd }
  return { code: await main(argv, io), out, err }
}

/** A signed trail: PHI reads with identity, a denied export, a security event; `omitIdentity` drops one PHI read's principal. */
async function seedTrail(dir: string, omitIdentity = false): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
  const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: privateKey, mode: 'checkpoint' })
  for (let i = 0; i < 20; i++) {
    const details: Record<string, string> = { point: 'data_operation', principal: `dr-${i % 3}`, action: 'read', effect: i % 5 === 0 ? 'deny' : 'allow', classification: i % 2 === 0 ? 'phi' : 'internal' }
    if (omitIdentity && i === 4) delete details['principal']
    await trail.append({ agentId: `dr-${i % 3}`, type: 'policy_decision', details })
  }
  await trail.append({ agentId: 'exporter', type: 'policy_decision', details: { action: 'export', effect: 'deny', principal: 'exporter', reason: 'contains PII' } })
  await trail.append({ agentId: 'exporter', type: 'security_event', details: { severity: 'warning', category: 'policy_violation', description: 'x' } })
  await trail.close()
}

describe('symbi-policy report', () => {
  it('a trail that satisfies HIPAA passes every check; writes JSON and HTML with charts and no script', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-report-'))
    dirs.push(dir)
    await seedTrail(dir)
    const r = await cli(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--public-key', 'public.pem', '--retention-days', '2200', '-o', 'out/hipaa'], dir)
    expect(r.out).toContain('4 of 4 checks passed')
    expect(r.code).toBe(0)
    const json = JSON.parse(readFileSync(join(dir, 'out/hipaa.json'), 'utf8')) as { framework: string; period: unknown; checks: { id: string; passed: boolean; evidence: string[] }[] }
    expect(json.framework).toBe('hipaa')
    expect(json.period).toEqual({ from: null, to: null })
    expect(json.checks.map((c) => [c.id, c.passed])).toEqual([
      ['hipaa.retention', true],
      ['hipaa.phi-access-identity', true],
      ['hipaa.phi-access-logged', true],
      ['hipaa.integrity', true],
    ])
    expect(json.checks[1]?.evidence[0]).toBe('10 matching records, each with details.principal, agentId, timestamp')
    const html = readFileSync(join(dir, 'out/hipaa.html'), 'utf8')
    expect(html).not.toMatch(/<script/i)
    expect((html.match(/<svg/g) ?? []).length).toBe(3)
    expect(html).toContain('4 of 4 checks passed')
  })

  it('removing one PHI read’s identity fails exactly that check; shortening retention fails exactly retention', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-report-'))
    dirs.push(dir)
    await seedTrail(dir, true)
    const r = await cli(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--public-key', 'public.pem', '--retention-days', '2200', '-o', 'r'], dir)
    expect(r.code).toBe(1)
    const failed = (JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { checks: { id: string; passed: boolean; evidence: string[] }[] }).checks.filter((c) => !c.passed)
    expect(failed.map((c) => c.id)).toEqual(['hipaa.phi-access-identity'])
    expect(failed[0]?.evidence[1]).toMatch(/lacks details\.principal$/)

    const dir2 = mkdtempSync(join(tmpdir(), 'symbi-report-'))
    dirs.push(dir2)
    await seedTrail(dir2)
    const short = await cli(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--public-key', 'public.pem', '--retention-days', '365', '-o', 'r'], dir2)
    expect(short.code).toBe(1)
    const failed2 = (JSON.parse(readFileSync(join(dir2, 'r.json'), 'utf8')) as { checks: { id: string; passed: boolean }[] }).checks.filter((c) => !c.passed)
    expect(failed2.map((c) => c.id)).toEqual(['hipaa.retention'])

    // A record edited after the fact breaks the chain check (and only it).
    writeFileSync(join(dir2, 'audit.log'), readFileSync(join(dir2, 'audit.log'), 'utf8').replace('"dr-1"', '"dr-9"'))
    const tampered = await cli(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--public-key', 'public.pem', '--retention-days', '2200', '-o', 'r'], dir2)
    expect(tampered.code).toBe(1)
    expect((JSON.parse(readFileSync(join(dir2, 'r.json'), 'utf8')) as { checks: { id: string; passed: boolean }[] }).checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['hipaa.integrity'])
  })

  it('GDPR checks the policy set for consent; a custom framework file works; the period filters records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-report-'))
    dirs.push(dir)
    await seedTrail(dir)
    writeFileSync(join(dir, 'p.policy'), 'policy personal {\n  allow: process_personal_data\n  require: context.consent_given for process_personal_data\n}\n')
    const g = await cli(['report', '--framework', 'gdpr', '--audit-log', 'audit.log', '--policies', 'p.policy', '--retention-days', '400', '-o', 'g'], dir)
    const checks = (JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')) as { checks: { id: string; passed: boolean; evidence: string[] }[] }).checks
    expect(checks.find((c) => c.id === 'gdpr.consent-policy')).toMatchObject({ passed: true })
    expect(checks.find((c) => c.id === 'gdpr.consent-policy')?.evidence[0]).toContain('personal[1]')
    expect(g.code).toBe(0)
    writeFileSync(join(dir, 'p.policy'), 'policy personal {\n  allow: process_personal_data\n}\n')
    expect((await cli(['report', '--framework', 'gdpr', '--audit-log', 'audit.log', '--policies', 'p.policy', '--retention-days', '400', '-o', 'g'], dir)).code).toBe(1)

    const custom = new URL('../../examples/compliance/custom.json', import.meta.url).pathname
    const c = await cli(['report', '--framework', custom, '--audit-log', 'audit.log', '--retention-days', '90', '-o', 'c'], dir)
    expect(c.out).toContain('ACME agent operations baseline: 4 of 4 checks passed')
    const future = await cli(['report', '--framework', custom, '--audit-log', 'audit.log', '--retention-days', '90', '--from', '2999-01-01', '-o', 'c'], dir)
    expect(future.code).toBe(1)
    expect(future.out).toContain('(0 records)')
  })

  it('refuses bad frameworks and arguments with the path or flag named (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-report-'))
    dirs.push(dir)
    expect(() => parseFramework({ id: 'x', title: 'x', checks: [{ id: 'a', title: 't', kind: 'events_have', where: {}, require: [] }] })).toThrow(/\$\.checks\[0\]\.require/)
    expect(() => parseFramework({ id: 'x', title: 'x', checks: [{ id: 'a', title: 't', kind: 'nope' }] })).toThrow(FrameworkError)
    expect(() => parseFramework({ id: 'x', title: 'x', checks: [{ id: 'a', title: 't', kind: 'policy_requires', action: 'a', mentions: '.*' }] })).toThrow(/mentions: must be a name/)
    expect(() => parseFramework({ id: 'x', title: 'x', checks: [{ id: 'a', title: 't', kind: 'chain_verifies' }, { id: 'a', title: 't', kind: 'chain_verifies' }] })).toThrow(/used twice/)
    expect((await cli(['report', '--framework', 'hipaa', '-o', 'x'], dir)).code).toBe(2)
    expect((await cli(['report', '--framework', 'nist', '--audit-log', 'a.log', '-o', 'x'], dir)).code).toBe(2)
    expect((await cli(['report', '--framework', 'hipaa', '--audit-log', 'missing.log', '-o', 'x'], dir)).code).toBe(2)
    expect((await cli(['report', '--framework', 'hipaa', '--audit-log', 'a.log', '--from', 'yesterday', '-o', 'x'], dir)).code).toBe(2)
  })
})
