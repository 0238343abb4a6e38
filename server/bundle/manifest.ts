/**
 * The bundle manifest: what a bundle holds (every file with its SHA-256), which revision it is
 * and which compiler built it. The signature covers the manifest's exact bytes, so the manifest
 * is the one thing that must be canonical: it is written once, sorted, and verified as stored.
 */
import { createHash, type KeyObject } from 'node:crypto'

/** Name of the manifest inside a bundle. */
export const MANIFEST_NAME = 'manifest.json'
/** Name of the detached signature inside a bundle. */
export const SIGNATURE_NAME = 'manifest.sig.json'
/** Name of the optional schema inside a bundle. */
export const SCHEMA_NAME = 'schema.json'
/** Format tag of the manifest. */
export const BUNDLE_FORMAT = 'symbi-policy-bundle/1'
/**
 * Prefix of the signed bytes: a bundle signature can never be replayed as an audit or
 * SchemaPin signature made with the same key, nor the other way round.
 */
export const BUNDLE_SIGNING_CONTEXT = 'symbi-policy bundle v1\n'

/** One file of a bundle. */
export interface ManifestFile {
  /** Path inside the bundle, `/`-separated, relative. */
  readonly path: string
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string
  /** Size in bytes. */
  readonly size: number
}

/** The manifest of a bundle. */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT
  /** The revision named at build time (a commit, a tag, a counter). */
  readonly revision: string
  /** The compiler version that built (and checked) the bundle. */
  readonly compilerVersion: string
  /** When it was built (ISO 8601). */
  readonly createdAt: string
  /** Every file of the bundle except the manifest and its signature, sorted by path. */
  readonly files: readonly ManifestFile[]
}

/** The detached signature of a manifest. */
export interface BundleSignature {
  /** `sha256:<hex of the signer's SPKI DER>`. */
  readonly keyId: string
  readonly algorithm: 'Ed25519'
  /** Base64 signature over {@link BUNDLE_SIGNING_CONTEXT} + the manifest bytes. */
  readonly signature: string
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The bytes a bundle signature covers. */
export function signingInput(manifestBytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(BUNDLE_SIGNING_CONTEXT, 'utf8'), manifestBytes])
}

/** A manifest as stored: stable key order, files sorted, one trailing newline. */
export function encodeManifest(m: BundleManifest): Buffer {
  const files = [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ path: f.path, sha256: f.sha256, size: f.size }))
  const ordered = { format: m.format, revision: m.revision, compilerVersion: m.compilerVersion, createdAt: m.createdAt, files }
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8')
}

/** `sha256:<hex of the SPKI DER>` of a public key: how bundles name their signer. */
export function bundleKeyId(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`
}
