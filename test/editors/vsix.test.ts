/**
 * The VS Code extension packages offline into a .vsix that VS Code can load: editors/vscode's
 * own `package` script (esbuild, then vsce --no-dependencies) runs, and the .vsix it writes is
 * read back as a zip.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const EXT = join(ROOT, 'editors/vscode')
const VSIX = join(EXT, 'symbi-policy.vsix')

/** The entries of a zip file by name, read through its central directory (APPNOTE 4.3.12, 4.3.16). */
function zipEntries(zip: Buffer): Map<string, Buffer> {
  let eocd = zip.length - 22
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--
  if (eocd < 0) throw new Error('not a zip file: no end of central directory record')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`)
    const method = zip.readUInt16LE(p + 10)
    const compressed = zip.readUInt32LE(p + 20)
    const size = zip.readUInt32LE(p + 24)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen)
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: bad local header`)
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(dataAt, dataAt + compressed)
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`)
    const data = method === 8 ? inflateRawSync(raw) : raw
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, the directory says ${size}`)
    out.set(name, data)
    p += 46 + nameLen + extraLen + commentLen
  }
  return out
}

interface Manifest {
  name: string
  publisher: string
  version: string
  private: boolean
  main: string
  engines: { vscode: string }
  activationEvents: string[]
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[]
    grammars: { language: string; scopeName: string; path: string }[]
    configuration: { properties: Record<string, { type: string }> }
  }
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } }
}

/** The parts of a manifest path after `./`, inside the .vsix. */
const inVsix = (path: string): string => `extension/${path.replace(/^\.\//, '')}`

let built: Map<string, Buffer> | undefined

/**
 * Builds the .vsix once per test file with the root's `npm run vsix` (scripts/build-vsix.mjs:
 * esbuild and vsce from the root's devDependencies, so `npm ci` at the root is all a fresh clone
 * needs) and returns its entries. editors/vscode's own package.json and lockfile pin the same
 * versions for building the extension on its own.
 */
function packaged(): Map<string, Buffer> {
  if (built !== undefined) return built
  // The client must run on the oldest VS Code the manifest admits.
  const client = JSON.parse(readFileSync(createRequire(join(ROOT, 'package.json')).resolve('vscode-languageclient/package.json'), 'utf8')) as { version: string; engines: { vscode: string } }
  expect(client.version).toBe('9.0.1')
  const [major, minor] = (/^\^?(\d+)\.(\d+)/.exec(client.engines.vscode) ?? []).slice(1).map(Number)
  expect((major ?? 99) * 1000 + (minor ?? 0), `vscode-languageclient needs VS Code ${client.engines.vscode}`).toBeLessThanOrEqual(1 * 1000 + 91)

  rmSync(VSIX, { force: true })
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-vsix.mjs')], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8', timeout: 120_000 })
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string }
    throw new Error(`scripts/build-vsix.mjs failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  }
  expect(existsSync(VSIX)).toBe(true)
  expect(statSync(VSIX).size).toBeGreaterThan(10_000)

  built = zipEntries(readFileSync(VSIX))
  return built
}

describe('the VS Code extension package', () => {
  it('pins what it was asked to and keeps a lockfile', () => {
    const manifest = JSON.parse(readFileSync(join(EXT, 'package.json'), 'utf8')) as Manifest
    expect(manifest).toMatchObject({ name: 'symbi-policy-vscode', publisher: 'symbiont', version: '0.1.0', private: true, engines: { vscode: '^1.91.0' } })
    expect(manifest.dependencies).toEqual({ 'vscode-languageclient': '9.0.1' })
    expect(manifest.devDependencies).toMatchObject({ '@vscode/vsce': '3.9.2', esbuild: '0.28.2', '@types/vscode': '1.91.0', typescript: '5.9.3' })
    for (const [name, version] of Object.entries(manifest.devDependencies)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/)
    const lock = JSON.parse(readFileSync(join(EXT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
    expect(lock.packages['node_modules/vscode-languageclient']?.version).toBe('9.0.1')
    expect(lock.packages['node_modules/@types/vscode']?.version).toBe('1.91.0')
  })

  it('builds offline into a .vsix holding only the bundle, grammar, configuration, manifest, README and LICENSE', () => {
    const entries = packaged()
    const names = [...entries.keys()].sort()
    for (const name of ['extension.vsixmanifest', 'extension/package.json', 'extension/dist/extension.js', 'extension/syntaxes/symbi-policy.tmLanguage.json', 'extension/language-configuration.json']) {
      expect(names, name).toContain(name)
    }
    expect(names.some((n) => /^extension\/readme\.md$/i.test(n)), 'README').toBe(true)
    expect(names.some((n) => /^extension\/license(\.txt)?$/i.test(n)), 'LICENSE').toBe(true)
    const allowed = /^(\[Content_Types\]\.xml|extension\.vsixmanifest|extension\/(dist\/extension\.js|syntaxes\/symbi-policy\.tmLanguage\.json|language-configuration\.json|package\.json|readme\.md|license(\.txt)?))$/i
    expect(names.filter((n) => !allowed.test(n))).toEqual([])

    const manifest = JSON.parse((entries.get('extension/package.json') as Buffer).toString('utf8')) as Manifest
    expect(entries.has(inVsix(manifest.main))).toBe(true)
    expect(manifest.activationEvents).toContain('onLanguage:symbi-policy')
    const language = manifest.contributes.languages.find((l) => l.id === 'symbi-policy')
    expect(language?.extensions).toEqual(['.policy', '.symbi'])
    expect(entries.has(inVsix(language?.configuration ?? '-')), 'language configuration').toBe(true)
    const config = JSON.parse((entries.get(inVsix(language?.configuration ?? '-')) as Buffer).toString('utf8')) as { comments: { lineComment: string; blockComment?: unknown } }
    expect(config.comments).toEqual({ lineComment: '//' })
    const grammar = manifest.contributes.grammars.find((g) => g.language === 'symbi-policy')
    expect(grammar?.scopeName).toBe('source.symbi-policy')
    expect(entries.has(inVsix(grammar?.path ?? '-')), `grammar ${grammar?.path}`).toBe(true)
    expect(existsSync(join(EXT, grammar?.path ?? '-'))).toBe(true)
    expect(JSON.parse((entries.get(inVsix(grammar?.path ?? '-')) as Buffer).toString('utf8')).scopeName).toBe('source.symbi-policy')
    const settings = manifest.contributes.configuration.properties
    expect(Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.type]))).toEqual({
      'symbiPolicy.server.path': 'string',
      'symbiPolicy.schema': 'string',
      'symbiPolicy.strict': 'boolean',
      'symbiPolicy.trace.server': 'string',
    })
    // An untrusted workspace must not choose the server binary (it would run that workspace's code).
    expect(manifest.capabilities.untrustedWorkspaces).toMatchObject({ supported: 'limited', restrictedConfigurations: ['symbiPolicy.server.path'] })
    const vsixManifest = (entries.get('extension.vsixmanifest') as Buffer).toString('utf8')
    expect(vsixManifest).toMatch(/<Identity[^>]*Version="0\.1\.0"[^>]*Publisher="symbiont"/)

    // The bundle loads only `vscode` and Node built-ins, each by a literal name: everything
    // else (vscode-languageclient and its dependencies) is inside it.
    const bundle = (entries.get('extension/dist/extension.js') as Buffer).toString('utf8')
    const calls = [...bundle.matchAll(/(?<![\w$.])require\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)]{0,30}))/g)]
    expect(calls.filter((m) => m[3] !== undefined).map((m) => m[0])).toEqual([])
    const required = new Set(calls.map((m) => (m[1] ?? m[2]) as string))
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])
    expect([...required].filter((r) => r !== 'vscode' && !builtins.has(r))).toEqual([])
    expect(required.has('vscode')).toBe(true)
    expect(bundle).toContain('"lsp"')
    expect(bundle).toContain('"--stdio"')
  }, 150_000)

  it('finds the server in the setting, the workspace, then PATH, and says so when there is none', async () => {
    // The bundle from the .vsix, loaded by Node with a stand-in `vscode` module that has just
    // enough API for activate() to resolve the server. It lacks createFileSystemWatcher, so once
    // a server is resolved the client fails to start and the error names the resolved command.
    const dir = mkdtempSync(join(tmpdir(), 'symbi-vsix-'))
    const workspace = join(dir, 'workspace')
    mkdirSync(workspace)
    mkdirSync(join(dir, 'node_modules/vscode'), { recursive: true })
    writeFileSync(join(dir, 'extension.js'), packaged().get('extension/dist/extension.js') as Buffer)
    writeFileSync(
      join(dir, 'node_modules/vscode/index.js'),
      `const s = globalThis.__symbiVscode
      const disposable = () => ({ dispose() {} })
      // vscode-languageclient extends some vscode classes when it loads: any other name is a class.
      const known = {
        window: { showErrorMessage: (m) => { s.errors.push(m); return Promise.resolve(undefined) } },
        workspace: {
          getConfiguration: () => ({ get: (k, d) => (k in s.settings ? s.settings[k] : d) }),
          get workspaceFolders() { return [{ uri: { fsPath: s.folder } }] },
          get isTrusted() { return s.trusted },
          onDidChangeConfiguration: disposable, onDidGrantWorkspaceTrust: disposable, onDidChangeWorkspaceFolders: disposable,
        },
      }
      module.exports = new Proxy(known, { get: (t, k) => (k in t ? t[k] : typeof k === 'string' && /^[A-Z]/.test(k) ? class {} : undefined) })`,
    )
    const state = { errors: [] as string[], settings: {} as Record<string, unknown>, folder: workspace, trusted: true }
    const g = globalThis as { __symbiVscode?: typeof state }
    const path = process.env['PATH']
    g.__symbiVscode = state
    process.env['PATH'] = join(dir, 'empty-bin') // no symbi-policy on PATH
    try {
      const ext = createRequire(join(dir, 'extension.js'))('./extension.js') as { activate: (c: { subscriptions: unknown[] }) => Promise<void>; deactivate: () => Promise<void> }
      const context = { subscriptions: [] as unknown[] }
      await ext.activate(context)
      expect(context.subscriptions.length).toBe(3)
      expect(state.errors).toHaveLength(1)
      expect(state.errors[0]).toMatch(/no language server found/)
      expect(state.errors[0]).toMatch(/symbiPolicy\.server\.path/)

      state.errors.length = 0
      state.settings['server.path'] = 'bin/missing-symbi-policy'
      await ext.activate({ subscriptions: [] })
      expect(state.errors).toEqual([`symbiPolicy.server.path is set to "bin/missing-symbi-policy", but there is no file at ${join(workspace, 'bin/missing-symbi-policy')}.`])

      const couldNotStart = async (): Promise<string> => {
        state.errors.length = 0
        await ext.activate({ subscriptions: [] })
        expect(state.errors).toHaveLength(1)
        return /^symbi-policy: the language server \((.*)\) could not start/.exec(state.errors[0] ?? '')?.[1] ?? `unexpected: ${state.errors[0]}`
      }
      const onPath = join(dir, 'bin', 'symbi-policy')
      mkdirSync(join(dir, 'bin'))
      writeFileSync(onPath, '#!/bin/sh\nexit 1\n', { mode: 0o755 })
      process.env['PATH'] = join(dir, 'bin')
      state.settings = {}
      expect(await couldNotStart()).toBe(onPath)
      // The workspace's own package comes before PATH, run by the editor's Node.
      mkdirSync(join(workspace, 'node_modules/symbi-policy/dist/cli'), { recursive: true })
      writeFileSync(join(workspace, 'node_modules/symbi-policy/dist/cli/main.js'), '')
      expect(await couldNotStart()).toBe(process.execPath)
      // ...but not in an untrusted workspace.
      state.trusted = false
      expect(await couldNotStart()).toBe(onPath)
      // The setting comes first.
      state.trusted = true
      state.settings['server.path'] = onPath
      expect(await couldNotStart()).toBe(onPath)
      await ext.deactivate()
    } finally {
      process.env['PATH'] = path
      delete g.__symbiVscode
      rmSync(dir, { recursive: true, force: true })
    }
  }, 150_000)
})
