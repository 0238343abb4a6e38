/**
 * `bundle build`: the policy sources of a directory, checked, with a manifest of their hashes
 * and (with a key) an Ed25519 signature over it, written as a tar.gz with sorted entries and
 * fixed times and owners, so two builds differ only in the manifest's `createdAt`.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { create } from 'tar'
import { COMPILER_VERSION } from '../../compiler/version.js'
import { hasErrors } from '../../diagnostics/index.js'
import { createEngine } from '../../index.js'
import { BundleError } from './errors.js'
import { BUNDLE_FORMAT, MANIFEST_NAME, SCHEMA_NAME, SIGNATURE_NAME, bundleKeyId, encodeManifest, sha256Hex, signingInput, type BundleManifest, type BundleSignature } from './manifest.js'

/** Options of {@link buildBundle}. */
export interface BuildBundleOptions {
  /** Revision recorded in the manifest; default the build time. */
  readonly revision?: string
  /** Ed25519 private key; without it the bundle is unsigned. */
  readonly signingKey?: KeyObject
  /** Schema (JSON text) stored as `schema.json` and used to check the policies. */
  readonly schemaText?: string
  /** Build time; default now. */
  readonly now?: Date
}

/** What was built. */
export interface BuiltBundle {
  readonly manifest: BundleManifest
  /** The archive (tar.gz). */
  readonly bytes: Buffer
  /** Key id of the signer, when signed. */
  readonly signedBy: string | undefined
  /** Hex SHA-256 of the manifest. */
  readonly hash: string
}

const POLICY_FILE = /\.(policy|symbi)$/

/** The policy files under `dir`, as sorted `/`-separated relative paths. Symlinks are refused, not followed. */
export function collectPolicyFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue
      const full = join(d, name)
      const st = lstatSync(full)
      if (st.isSymbolicLink()) throw new BundleError('BUNDLE_UNSAFE_ENTRY', `'${relative(dir, full)}' is a symbolic link; bundles hold regular files only`)
      if (st.isDirectory()) walk(full)
      else if (st.isFile() && POLICY_FILE.test(name)) out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return out
}

/** Builds a bundle of the policy files under `dir`; refuses sources with errors. */
export async function buildBundle(dir: string, options: BuildBundleOptions = {}): Promise<BuiltBundle> {
  const paths = collectPolicyFiles(dir)
  if (paths.length === 0) throw new BundleError('BUNDLE_BAD_MANIFEST', `no .policy or .symbi files under '${dir}'`)
  const contents = new Map<string, Buffer>(paths.map((p) => [p, readFileSync(join(dir, p))]))
  let schema: unknown
  if (options.schemaText !== undefined) {
    schema = JSON.parse(options.schemaText) as unknown
    contents.set(SCHEMA_NAME, Buffer.from(options.schemaText, 'utf8'))
  }
  const engine = createEngine(schema === undefined ? {} : { schema })
  const result = engine.load(paths.map((p) => ({ name: p, source: (contents.get(p) as Buffer).toString('utf8') })))
  const broken = result.files.filter((f) => hasErrors(f.diagnostics))
  if (!result.ok || broken.length > 0) {
    const first = broken[0]?.diagnostics.find((d) => d.severity === 'error')
    throw new BundleError('BUNDLE_POLICY_ERRORS', `policies have errors${first ? `: ${broken[0]?.name}: ${first.code} ${first.message}` : ''} (run \`symbi-policy check\`)`)
  }
  const now = options.now ?? new Date()
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    revision: options.revision ?? now.toISOString(),
    compilerVersion: COMPILER_VERSION,
    createdAt: now.toISOString(),
    files: [...contents].map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes), size: bytes.length })),
  }
  const manifestBytes = encodeManifest(manifest)
  let signedBy: string | undefined
  const entries = new Map(contents)
  entries.set(MANIFEST_NAME, manifestBytes)
  if (options.signingKey !== undefined) {
    signedBy = bundleKeyId(createPublicKey(options.signingKey))
    const sig: BundleSignature = { keyId: signedBy, algorithm: 'Ed25519', signature: sign(null, signingInput(manifestBytes), options.signingKey).toString('base64') }
    entries.set(SIGNATURE_NAME, Buffer.from(`${JSON.stringify(sig, null, 2)}\n`, 'utf8'))
  }
  return { manifest, bytes: await writeArchive(entries), signedBy, hash: sha256Hex(manifestBytes) }
}

/** A deterministic tar.gz of `entries` (staged in a private temp directory). */
export async function writeArchive(entries: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const stage = await mkdtemp(join(tmpdir(), 'symbi-bundle-'))
  try {
    const names = [...entries.keys()].sort()
    for (const name of names) {
      const target = join(stage, ...name.split('/'))
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, entries.get(name) as Buffer, { mode: 0o644 })
    }
    const chunks: Buffer[] = []
    const stream = create({ gzip: true, cwd: stage, portable: true, noDirRecurse: true, mtime: new Date(0) }, names)
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c)
    return Buffer.concat(chunks)
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
}
