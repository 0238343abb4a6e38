import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const VSIX = `${ROOT}editors/vscode/symbi-policy.vsix`

/** The entries of a zip file, from its central directory (APPNOTE 4.3.12, 4.3.16). */
function zipEntries(zip: Buffer): Map<string, Buffer> {
  let eocd = zip.length - 22
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--
  if (eocd < 0) throw new Error('not a zip file: no end of central directory')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry')
    const method = zip.readUInt16LE(p + 10)
    const compressed = zip.readUInt32LE(p + 20)
    const size = zip.readUInt32LE(p + 24)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen)
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(dataAt, dataAt + compressed)
    const data = method === 8 ? inflateRawSync(raw) : raw
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, the directory says ${size}`)
    out.set(name, data)
    p += 46 + nameLen + extraLen + commentLen
  }
  return out
}

describe('the VS Code extension package', () => {
  it('builds offline into a .vsix holding the bundled client, grammar, configuration and manifest', () => {
    execFileSync(process.execPath, [`${ROOT}scripts/build-vsix.mjs`], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 })
    expect(existsSync(VSIX)).toBe(true)
    const entries = zipEntries(readFileSync(VSIX))
    for (const name of ['extension/package.json', 'extension/dist/extension.js', 'extension/syntaxes/symbi-policy.tmLanguage.json', 'extension/language-configuration.json', 'extension.vsixmanifest']) {
      expect([...entries.keys()], name).toContain(name)
    }
    expect([...entries.keys()].filter((n) => n.startsWith('extension/src/') || n.includes('node_modules'))).toEqual([])

    const manifest = JSON.parse((entries.get('extension/package.json') as Buffer).toString('utf8')) as {
      main: string
      contributes: { languages: { id: string; extensions: string[] }[]; grammars: { path: string; scopeName: string }[] }
    }
    expect(manifest.contributes.languages[0]?.extensions).toEqual(['.policy', '.symbi'])
    // Untrusted workspaces must not choose the server binary (it would run the workspace's code).
    const trust = (manifest as unknown as { capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } } }).capabilities.untrustedWorkspaces
    expect(trust.supported).toBe('limited')
    expect(trust.restrictedConfigurations).toEqual(['symbiPolicy.server.path'])
    const grammarPath = `extension/${(manifest.contributes.grammars[0]?.path ?? '').replace(/^\.\//, '')}`
    expect(entries.has(grammarPath)).toBe(true)
    expect(JSON.parse((entries.get(grammarPath) as Buffer).toString('utf8')).scopeName).toBe(manifest.contributes.grammars[0]?.scopeName)
    expect(entries.has(`extension/${manifest.main.replace(/^\.\//, '')}`)).toBe(true)

    // The bundle loads only `vscode` and Node built-ins: everything else is inside it.
    const bundle = (entries.get('extension/dist/extension.js') as Buffer).toString('utf8')
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string))
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])
    expect([...required].filter((r) => r !== 'vscode' && !builtins.has(r))).toEqual([])
    expect(required.has('vscode')).toBe(true)
    expect(bundle).toContain('lsp')
  }, 150_000)
})
