import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileKeyStore, KeyManager } from '../../../runtime/keys/index.js'
import { buildBundle, readBundleArchive, trustedFromKeyManager, verifyBundleFiles } from '../../../server/bundle/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('bundles verify through key management', () => {
  it('accepts a bundle signed while the key stood, refuses one made after its revocation (naming it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-km-bundle-'))
    dirs.push(dir)
    mkdirSync(join(dir, 'policies'))
    writeFileSync(join(dir, 'policies', 'p.policy'), 'policy p {\n  allow: read\n}\n')
    let now = Date.UTC(2026, 3, 1)
    const km = new KeyManager(new FileKeyStore(join(dir, 'ks')), { clock: () => now })
    const rec = await km.generate('bundle-publisher')
    const signingKey = km.signer('bundle-publisher').privateKey
    const early = await buildBundle(join(dir, 'policies'), { signingKey, now: new Date(now + 1000) })
    now += 60_000
    await km.revoke(rec.id, 'publisher key leaked')
    const late = await buildBundle(join(dir, 'policies'), { signingKey, now: new Date(now + 1000) })

    const trusted = trustedFromKeyManager(km, [rec.id])
    expect(verifyBundleFiles(await readBundleArchive(early.bytes), trusted).signedBy).toBe(rec.id)
    let err: unknown
    try {
      verifyBundleFiles(await readBundleArchive(late.bytes), trusted)
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'BUNDLE_KEY_NOT_TRUSTED' })
    expect(String((err as Error).message)).toContain('publisher key leaked')
  })
})

