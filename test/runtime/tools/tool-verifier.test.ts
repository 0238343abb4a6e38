import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SchemaPinMode, ToolDescriptor } from '../../../runtime/tools/index.js'
import { SchemaPinConfigError, TofuKeyStore, ToolBlockedError, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'

function provider() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}
const store = () => new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'verifier-')), 'keys.json') })
const tool = (p: ReturnType<typeof provider>, schema: Record<string, unknown> = { name: 'calc' }): ToolDescriptor => ({
  name: 'calc',
  provider: 'acme',
  schema: withSignature(schema, p.privateKey),
  publicKey: p.pem,
})

describe('ToolVerifier', () => {
  it('strict: first use pins, then verified; unsigned, forged, renamed and re-keyed tools are blocked', async () => {
    const v = new ToolVerifier({ store: store() })
    expect(v.mode).toBe('strict')
    const p = provider()
    expect(await v.verify(tool(p))).toMatchObject({ status: 'first_use', warnings: [] })
    expect(await v.verify(tool(p))).toMatchObject({ status: 'verified' })
    const t = tool(p)
    const { signature: _s, ...unsigned } = t.schema
    await expect(v.verify({ ...t, schema: unsigned })).rejects.toMatchObject({ problem: 'unsigned' })
    await expect(v.verify({ ...t, schema: { ...t.schema, description: 'evil' } })).rejects.toMatchObject({ problem: 'bad_signature' })
    await expect(v.verify({ ...t, name: 'other' })).rejects.toMatchObject({ problem: 'name_mismatch' })
    await expect(v.verify({ ...t, publicKey: 'junk' })).rejects.toMatchObject({ problem: 'bad_key' })
    await expect(v.verify(tool(provider()))).rejects.toMatchObject({ problem: 'key_mismatch', message: expect.stringMatching(/KeyMismatch/) })
  })

  it('permissive: unverified schemas run with warnings; a key mismatch or bad store still blocks', async () => {
    const s = store()
    const v = new ToolVerifier({ mode: 'permissive', store: s })
    const p = provider()
    await v.verify(tool(p))
    const t = tool(p)
    const r = await v.verify({ ...t, schema: { ...t.schema, description: 'changed' } })
    expect(r.status).toBe('unverified')
    expect(r.warnings[0]).toMatch(/^bad_signature/)
    await expect(v.verify(tool(provider()))).rejects.toBeInstanceOf(ToolBlockedError)
    const closed = new ToolVerifier({ mode: 'permissive', store: new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'cw-')), 'k.json'), closedWorld: true }) })
    await expect(closed.verify(tool(provider()))).rejects.toMatchObject({ problem: 'unknown_provider' })
  })

  it('a tampered store blocks in strict and permissive mode', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ts-')), 'keys.json')
    const p = provider()
    await new ToolVerifier({ store: new TofuKeyStore({ path }) }).verify(tool(p))
    chmodSync(path, 0o666)
    for (const mode of ['strict', 'permissive'] as const) {
      await expect(new ToolVerifier({ mode, store: new TofuKeyStore({ path }) }).verify(tool(p))).rejects.toMatchObject({ problem: 'store_error' })
    }
  })

  it('development warns about everything and never writes the store; disabled checks nothing', async () => {
    const s = store()
    const dev = new ToolVerifier({ mode: 'development', store: s, env: {} })
    const r = await dev.verify(tool(provider()))
    expect(r.status).toBe('unverified')
    expect(await s.lookup('acme')).toBeUndefined()
    const off = new ToolVerifier({ mode: 'disabled', env: { SYMBIONT_ENV: 'staging' } })
    expect(await off.verify({ name: 'x', provider: 'y', schema: {}, publicKey: 'junk' })).toEqual({ status: 'skipped', warnings: ['schema verification disabled'] })
  })

  it('development and disabled are refused when SYMBIONT_ENV=production; unknown modes and a missing store are refused', () => {
    for (const mode of ['development', 'disabled'] as SchemaPinMode[]) {
      expect(() => new ToolVerifier({ mode, store: store(), env: { SYMBIONT_ENV: 'production' } })).toThrow(SchemaPinConfigError)
    }
    expect(() => new ToolVerifier({ mode: 'strict', store: store(), env: { SYMBIONT_ENV: 'production' } })).not.toThrow()
    expect(() => new ToolVerifier({ mode: 'permissive', store: store(), env: { SYMBIONT_ENV: 'production' } })).not.toThrow()
    expect(() => new ToolVerifier({ mode: 'lenient' as SchemaPinMode, store: store() })).toThrow(/unknown SchemaPin mode 'lenient'/)
    expect(() => new ToolVerifier({ mode: 'strict' })).toThrow(/needs a key store/)
  })
})

describe('ToolVerifier security events', () => {
  it('reports a re-keyed provider as a critical tofu_failure and a forged schema as a signature_failure', async () => {
    const { SecurityMonitor } = await import('../../../runtime/events/index.js')
    const monitor = new SecurityMonitor()
    const seen: { category: string; severity: string; affected: readonly string[] }[] = []
    monitor.subscribe((e) => void seen.push(e))
    const v = new ToolVerifier({ store: store(), security: monitor })
    const p = provider()
    await v.verify(tool(p))
    const t = tool(p)
    await expect(v.verify({ ...t, schema: { ...t.schema, description: 'evil' } })).rejects.toThrow(ToolBlockedError)
    await expect(v.verify(tool(provider()))).rejects.toThrow(ToolBlockedError)
    await new Promise((r) => setTimeout(r, 10))
    expect(seen.map((e) => [e.category, e.severity])).toEqual([
      ['signature_failure', 'error'],
      ['tofu_failure', 'critical'],
    ])
    expect(seen[1]?.affected).toEqual(['tool:calc', 'provider:acme'])
  })
})
