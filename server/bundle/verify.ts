/**
 * Verifies a bundle read into memory: the manifest is well formed, the archive holds exactly
 * the files it lists (no extra, no missing) with those hashes, and — when trusted keys are
 * configured — the manifest is signed by one of them. Only then are its policies handed out.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import type { KeyManager } from '../../runtime/keys/key-manager.js'
import { BundleError } from './errors.js'
import { BUNDLE_FORMAT, MANIFEST_NAME, SCHEMA_NAME, SIGNATURE_NAME, bundleKeyId, sha256Hex, signingInput, type BundleManifest, type BundleSignature, type ManifestFile } from './manifest.js'
import { unsafePath } from './read.js'

/** A trusted bundle signer. */
export interface TrustedKey {
  /** `sha256:<hex of SPKI DER>`. */
  readonly keyId: string
  readonly key: KeyObject
  /**
   * The key's standing at the bundle's `createdAt` (key management: certification, rotation,
   * revocation); returns why the key may not vouch for a bundle made then. Checked after the
   * signature, on the signed manifest's time.
   */
  readonly standing?: (signedAt: number) => string | undefined
}

/** Trusted keys from a key store: each key also has to be in good standing when the bundle was made. */
export function trustedFromKeyManager(km: KeyManager, keyIds: readonly string[]): TrustedKey[] {
  return keyIds.map((id) => ({
    keyId: id,
    key: createPublicKey(km.exportPublic(id)),
    standing: (t) => {
      const v = km.standing(id, t)
      return v.ok ? undefined : v.reason
    },
  }))
}

/** A bundle that passed verification. */
export interface VerifiedBundle {
  readonly manifest: BundleManifest
  /** Policy sources (`.policy`, `.symbi`) by bundle path, sorted. */
  readonly sources: readonly { readonly name: string; readonly source: string }[]
  /** The bundle's schema, parsed, when it carries one. */
  readonly schema: unknown
  /** Key id of the signature that verified, or undefined for an unsigned bundle (allowed only without trusted keys). */
  readonly signedBy: string | undefined
  /** Hex SHA-256 of the manifest bytes: the bundle's identity. */
  readonly hash: string
}

/** Makes trusted keys from Ed25519 public keys. */
export function trustedKeys(keys: readonly KeyObject[]): TrustedKey[] {
  return keys.map((key) => ({ keyId: bundleKeyId(key), key }))
}

const HEX64 = /^[0-9a-f]{64}$/

function decodeJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown
  } catch (e) {
    throw new BundleError('BUNDLE_BAD_MANIFEST', `${what} is not valid UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Checks the manifest's shape field by field; returns a fresh object holding only known fields. */
export function parseManifest(bytes: Buffer): BundleManifest {
  const m = decodeJson(bytes, MANIFEST_NAME)
  const bad = (why: string): never => {
    throw new BundleError('BUNDLE_BAD_MANIFEST', `${MANIFEST_NAME}: ${why}`)
  }
  if (!isRecord(m)) return bad('not a JSON object')
  if (m['format'] !== BUNDLE_FORMAT) bad(`format must be '${BUNDLE_FORMAT}'`)
  for (const k of ['revision', 'compilerVersion', 'createdAt'] as const) if (typeof m[k] !== 'string') bad(`'${k}' must be a string`)
  const list = m['files']
  if (!Array.isArray(list)) return bad("'files' must be an array")
  const files: ManifestFile[] = []
  const seen = new Set<string>()
  list.forEach((f: unknown, i) => {
    if (!isRecord(f)) return bad(`files[${i}] is not an object`)
    const { path, sha256, size } = f
    if (typeof path !== 'string') return bad(`files[${i}].path must be a string`)
    const why = unsafePath(path)
    if (why !== undefined) bad(`files[${i}].path '${path}' has ${why}`)
    if (path === MANIFEST_NAME || path === SIGNATURE_NAME) bad(`files[${i}] lists '${path}' itself`)
    if (seen.has(path)) bad(`files[${i}].path '${path}' is listed twice`)
    seen.add(path)
    if (typeof sha256 !== 'string' || !HEX64.test(sha256)) bad(`files[${i}].sha256 must be 64 lowercase hex digits`)
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) bad(`files[${i}].size must be a non-negative integer`)
    files.push({ path, sha256: sha256 as string, size: size as number })
  })
  return { format: BUNDLE_FORMAT, revision: m['revision'] as string, compilerVersion: m['compilerVersion'] as string, createdAt: m['createdAt'] as string, files }
}

function parseSignature(bytes: Buffer): BundleSignature {
  const s = decodeJson(bytes, SIGNATURE_NAME)
  if (!isRecord(s) || typeof s['keyId'] !== 'string' || s['algorithm'] !== 'Ed25519' || typeof s['signature'] !== 'string') {
    throw new BundleError('BUNDLE_BAD_SIGNATURE', `${SIGNATURE_NAME} must be { "keyId": string, "algorithm": "Ed25519", "signature": base64 }`)
  }
  return { keyId: s['keyId'], algorithm: 'Ed25519', signature: s['signature'] }
}

/**
 * Verifies a bundle's files. With `trusted` keys the bundle must be signed by one of them; with
 * none, a signature that is present is still checked for form but cannot be trusted, and
 * `signedBy` stays undefined.
 */
export function verifyBundleFiles(files: ReadonlyMap<string, Buffer>, trusted: readonly TrustedKey[]): VerifiedBundle {
  const manifestBytes = files.get(MANIFEST_NAME)
  if (manifestBytes === undefined) throw new BundleError('BUNDLE_BAD_MANIFEST', `bundle has no ${MANIFEST_NAME}`)
  const sigBytes = files.get(SIGNATURE_NAME)
  let signedBy: string | undefined
  if (trusted.length > 0) {
    if (sigBytes === undefined) throw new BundleError('BUNDLE_UNSIGNED', `bundle is not signed (no ${SIGNATURE_NAME}) and trusted keys are configured`)
    const sig = parseSignature(sigBytes)
    const signer = trusted.find((t) => t.keyId === sig.keyId)
    if (signer === undefined) throw new BundleError('BUNDLE_UNTRUSTED_KEY', `bundle is signed by ${sig.keyId}, which is not among the ${trusted.length} trusted key(s)`)
    let ok = false
    try {
      ok = verifySignature(null, signingInput(manifestBytes), signer.key, Buffer.from(sig.signature, 'base64'))
    } catch {
      ok = false
    }
    if (!ok) throw new BundleError('BUNDLE_BAD_SIGNATURE', `bundle signature by ${sig.keyId} does not verify: the manifest was changed or the signature is corrupt`)
    signedBy = sig.keyId
  } else if (sigBytes !== undefined) {
    parseSignature(sigBytes)
  }
  // Only a signed (or knowingly unsigned) manifest is parsed: hashes then bind every file to it.
  const manifest = parseManifest(manifestBytes)
  const standing = signedBy === undefined ? undefined : trusted.find((t) => t.keyId === signedBy)?.standing
  if (standing !== undefined) {
    const made = Date.parse(manifest.createdAt)
    const problem = Number.isFinite(made) ? standing(made) : `the manifest's createdAt '${manifest.createdAt}' is not a time`
    if (problem !== undefined) throw new BundleError('BUNDLE_KEY_NOT_TRUSTED', `bundle signed by ${signedBy ?? '?'} at ${manifest.createdAt}: ${problem}`)
  }
  const listed = new Set(manifest.files.map((f) => f.path))
  for (const path of files.keys()) {
    if (path !== MANIFEST_NAME && path !== SIGNATURE_NAME && !listed.has(path)) throw new BundleError('BUNDLE_FILE_MISMATCH', `bundle holds '${path}', which the manifest does not list`)
  }
  for (const f of manifest.files) {
    const bytes = files.get(f.path)
    if (bytes === undefined) throw new BundleError('BUNDLE_FILE_MISMATCH', `manifest lists '${f.path}', which the bundle does not hold`)
    if (bytes.length !== f.size || sha256Hex(bytes) !== f.sha256) throw new BundleError('BUNDLE_FILE_MISMATCH', `'${f.path}' does not match its SHA-256 in the manifest`)
  }
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const sources = manifest.files
    .filter((f) => f.path.endsWith('.policy') || f.path.endsWith('.symbi'))
    .map((f) => {
      try {
        return { name: f.path, source: decoder.decode(files.get(f.path)) }
      } catch {
        throw new BundleError('BUNDLE_FILE_MISMATCH', `'${f.path}' is not valid UTF-8`)
      }
    })
  if (sources.length === 0) throw new BundleError('BUNDLE_BAD_MANIFEST', 'bundle holds no .policy or .symbi file')
  const schemaBytes = listed.has(SCHEMA_NAME) ? files.get(SCHEMA_NAME) : undefined
  const schema = schemaBytes === undefined ? undefined : decodeJson(schemaBytes, SCHEMA_NAME)
  return { manifest, sources, schema, signedBy, hash: sha256Hex(manifestBytes) }
}
