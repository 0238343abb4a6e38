import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gunzipSync } from 'node:zlib'
import {
  BundleError,
  MANIFEST_NAME,
  SIGNATURE_NAME,
  buildBundle,
  encodeManifest,
  readBundleArchive,
  sha256Hex,
  trustedKeys,
  verifyBundleFiles,
  writeArchive,
  type BundleManifest,
} from '../../server/bundle/index.js'
import { rawTarGz } from './raw-tar.js'

const EXAMPLES = resolve(import.meta.dirname, '../../examples')
const signer = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')
const trusted = trustedKeys([signer.publicKey])

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<BundleError> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    if (e instanceof BundleError) return e
    throw e
  }
  throw new Error('expected a BundleError')
}

async function files(bytes: Buffer): Promise<Map<string, Buffer>> {
  return readBundleArchive(bytes)
}

describe('bundle build and verify', () => {
  it('a signed bundle of the examples verifies with the signer key and lists every policy file', async () => {
    const built = await buildBundle(EXAMPLES, { signingKey: signer.privateKey, revision: 'r7' })
    const v = verifyBundleFiles(await files(built.bytes), trusted)
    expect(v.manifest.revision).toBe('r7')
    expect(v.signedBy).toBe(built.signedBy)
    expect(v.hash).toBe(built.hash)
    expect(v.sources.map((s) => s.name)).toEqual(['data_flow_control.policy', 'incident_response.policy', 'research_assistant.symbi', 'resource_governance.policy', 'secure_data_access.policy', 'team_channels.symbi'])
    expect(built.manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true)
  })

  it('keys rotate: any one of several trusted keys verifies; a key not among them is BUNDLE_UNTRUSTED_KEY', async () => {
    const built = await buildBundle(EXAMPLES, { signingKey: signer.privateKey })
    expect(verifyBundleFiles(await files(built.bytes), trustedKeys([other.publicKey, signer.publicKey])).signedBy).toBe(built.signedBy)
    const e = await refusal(async () => verifyBundleFiles(await files(built.bytes), trustedKeys([other.publicKey])))
    expect(e.code).toBe('BUNDLE_UNTRUSTED_KEY')
    expect(e.message).toContain(built.signedBy)
  })

  it('an unsigned bundle is refused when keys are configured, accepted (as unsigned) when none are', async () => {
    const built = await buildBundle(EXAMPLES)
    expect((await refusal(async () => verifyBundleFiles(await files(built.bytes), trusted))).code).toBe('BUNDLE_UNSIGNED')
    expect(verifyBundleFiles(await files(built.bytes), []).signedBy).toBeUndefined()
  })

  it('a changed file, an extra file, a missing file and an edited manifest are each refused', async () => {
    const built = await buildBundle(EXAMPLES, { signingKey: signer.privateKey })
    const base = await files(built.bytes)
    const changed = new Map(base).set('team_channels.symbi', Buffer.from('policy x { allow: read if true }\n'))
    expect((await refusal(async () => verifyBundleFiles(changed, trusted))).code).toBe('BUNDLE_FILE_MISMATCH')
    const extra = new Map(base).set('evil.policy', Buffer.from('policy evil { allow: any if true }\n'))
    const e = await refusal(async () => verifyBundleFiles(extra, trusted))
    expect([e.code, e.message]).toEqual(['BUNDLE_FILE_MISMATCH', "bundle holds 'evil.policy', which the manifest does not list"])
    const missing = new Map(base)
    missing.delete('secure_data_access.policy')
    expect((await refusal(async () => verifyBundleFiles(missing, trusted))).message).toContain("manifest lists 'secure_data_access.policy', which the bundle does not hold")
    // Re-hashing the changed file into the manifest breaks the signature instead.
    const m = JSON.parse((base.get(MANIFEST_NAME) as Buffer).toString('utf8')) as BundleManifest
    const forged = encodeManifest({ ...m, files: m.files.map((f) => (f.path === 'team_channels.symbi' ? { ...f, sha256: sha256Hex(changed.get(f.path) as Buffer), size: (changed.get(f.path) as Buffer).length } : f)) })
    expect((await refusal(async () => verifyBundleFiles(new Map(changed).set(MANIFEST_NAME, forged), trusted))).code).toBe('BUNDLE_BAD_SIGNATURE')
  })

  it('a signature made by another key under the trusted key id is BUNDLE_BAD_SIGNATURE', async () => {
    const built = await buildBundle(EXAMPLES, { signingKey: other.privateKey })
    const f = await files(built.bytes)
    const sig = JSON.parse((f.get(SIGNATURE_NAME) as Buffer).toString('utf8')) as { keyId: string }
    sig.keyId = trusted[0]?.keyId as string
    f.set(SIGNATURE_NAME, Buffer.from(JSON.stringify(sig)))
    expect((await refusal(async () => verifyBundleFiles(f, trusted))).code).toBe('BUNDLE_BAD_SIGNATURE')
  })

  it('refuses to build from policies with errors, naming the file and the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-bundle-bad-'))
    writeFileSync(join(dir, 'bad.policy'), 'policy p { allow: read if }\n')
    const e = await refusal(buildBundle(dir))
    expect(e.code).toBe('BUNDLE_POLICY_ERRORS')
    expect(e.message).toContain('bad.policy')
  })

  it('refuses to follow a symbolic link when building', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-bundle-link-'))
    writeFileSync(join(dir, 'a.policy'), 'policy a { allow: read if true }\n')
    mkdirSync(join(dir, 'sub'))
    symlinkSync('/etc/passwd', join(dir, 'sub', 'b.policy'))
    expect((await refusal(buildBundle(dir))).message).toContain("'sub/b.policy' is a symbolic link")
  })

  it('writes entries sorted with fixed owners and times', async () => {
    const tar = gunzipSync(await writeArchive(new Map([['b.policy', Buffer.from('b')], ['a.policy', Buffer.from('a')]])))
    expect(tar.subarray(0, 8).toString()).toBe('a.policy')
    expect(Number.parseInt(tar.subarray(136, 148).toString().trim(), 8)).toBe(0)
    expect(tar.subarray(265, 273).toString().replace(/\0/g, '')).toBe('')
  })
})

describe('hostile archives are refused before anything is used', () => {
  const manifest = Buffer.from('{}')
  const cases: [string, Parameters<typeof rawTarGz>[0], string][] = [
    ['an absolute path', [{ name: '/etc/cron.d/x.policy', data: 'x' }], 'an absolute path'],
    ['a .. segment', [{ name: 'policies/../../x.policy', data: 'x' }], "a '..' segment"],
    ['a symbolic link', [{ name: 'x.policy', type: '2', linkname: '/etc/passwd' }], 'is a SymbolicLink'],
    ['a hard link', [{ name: 'x.policy', type: '1', linkname: 'manifest.json' }], 'is a Link'],
    ['a character device', [{ name: 'x.policy', type: '3' }], 'is a CharacterDevice'],
    ['a FIFO', [{ name: 'x.policy', type: '6' }], 'is a FIFO'],
    ['a duplicate name', [{ name: 'x.policy', data: 'a' }, { name: './x.policy', data: 'b' }], 'appears twice'],
  ]
  for (const [what, entries, says] of cases) {
    it(`${what}`, async () => {
      const e = await refusal(readBundleArchive(rawTarGz([{ name: MANIFEST_NAME, data: manifest }, ...entries])))
      expect(e.code).toBe('BUNDLE_UNSAFE_ENTRY')
      expect(e.message).toContain(says)
    })
  }

  it('more data than the limit is BUNDLE_TOO_LARGE, garbage is BUNDLE_UNREADABLE', async () => {
    const big = rawTarGz([{ name: 'a.policy', data: Buffer.alloc(4096, 0x20) }])
    expect((await refusal(readBundleArchive(big, { maxBytes: 1024 }))).code).toBe('BUNDLE_TOO_LARGE')
    expect((await refusal(readBundleArchive(Buffer.from('not a tar archive at all, just text')))).code).toBe('BUNDLE_UNREADABLE')
  })

  it('a manifest that lists a path outside the bundle is refused', async () => {
    const bad = Buffer.from(JSON.stringify({ format: 'symbi-policy-bundle/1', revision: 'r', compilerVersion: 'x', createdAt: 'now', files: [{ path: '../x.policy', sha256: '0'.repeat(64), size: 0 }] }))
    const e = await refusal(async () => verifyBundleFiles(new Map([[MANIFEST_NAME, bad]]), []))
    expect([e.code, e.message]).toEqual(['BUNDLE_BAD_MANIFEST', "manifest.json: files[0].path '../x.policy' has a '..' segment"])
  })
})
