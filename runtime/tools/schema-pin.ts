import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { canonicalJson } from './canonical-json.js'

/** The schema field that holds the signature; it is removed before canonicalization. */
export const SIGNATURE_FIELD = 'signature'

/** A key that is not an EC P-256 key in a form we accept. */
export class SchemaKeyError extends Error {
  override readonly name = 'SchemaKeyError'
}

/** The outcome of checking one schema signature. */
export type SchemaCheck =
  | { readonly valid: true; readonly keyId: string }
  | { readonly valid: false; readonly keyId?: string; readonly reason: 'unsigned' | 'bad_signature' | 'bad_schema'; readonly detail: string }

/**
 * Parsed PEM keys and their ids, by PEM text. Parsing and hashing are pure, and the TOFU store
 * re-validates every entry on every call: without this memo a strict tool check measured
 * ~2.3 ms instead of well under 1 ms (bench/enforcement-points.mjs). Bounded; cleared when full.
 */
const pemMemo = new Map<string, { key: KeyObject; keyId?: string }>()
const PEM_MEMO_MAX = 512

/** Parses a PEM (SPKI) public key and insists on EC P-256. */
export function loadPublicKey(key: string | KeyObject): KeyObject {
  if (typeof key === 'string') {
    const hit = pemMemo.get(key)
    if (hit !== undefined) return hit.key
  }
  let k: KeyObject
  try {
    k = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key
  } catch (e) {
    throw new SchemaKeyError(`not a readable public key: ${e instanceof Error ? e.message : String(e)}`)
  }
  checkP256(k)
  if (typeof key === 'string') {
    if (pemMemo.size >= PEM_MEMO_MAX) pemMemo.clear()
    pemMemo.set(key, { key: k })
  }
  return k
}

/** Parses a PEM (PKCS#8 or SEC1) private key and insists on EC P-256. */
export function loadPrivateKey(key: string | KeyObject): KeyObject {
  let k: KeyObject
  try {
    k = typeof key === 'string' ? createPrivateKey(key) : key
  } catch (e) {
    throw new SchemaKeyError(`not a readable private key: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (k.type !== 'private') throw new SchemaKeyError('expected a private key')
  checkP256(k)
  return k
}

function checkP256(k: KeyObject): void {
  if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SchemaKeyError(`expected an EC P-256 key, got ${k.asymmetricKeyType ?? 'a symmetric key'}${k.asymmetricKeyDetails?.namedCurve ? ` on ${k.asymmetricKeyDetails.namedCurve}` : ''}`)
  }
}

/** `sha256:<lower-case hex of the SHA-256 of the key's SPKI DER encoding>`. */
export function keyIdOf(key: string | KeyObject): string {
  const loaded = loadPublicKey(key)
  const memo = typeof key === 'string' ? pemMemo.get(key) : undefined
  if (memo?.keyId !== undefined) return memo.keyId
  const der = loaded.export({ type: 'spki', format: 'der' })
  const id = `sha256:${createHash('sha256').update(der).digest('hex')}`
  if (memo !== undefined) memo.keyId = id
  return id
}

/** The exact bytes that are signed: canonical JSON of the schema without its top-level `signature`. */
export function schemaSigningInput(schema: Readonly<Record<string, unknown>>): Buffer {
  const { [SIGNATURE_FIELD]: _ignored, ...unsigned } = schema
  return Buffer.from(canonicalJson(unsigned), 'utf8')
}

/** Signs a schema: base64 of the DER-encoded ECDSA P-256 / SHA-256 signature over the signing input. */
export function signSchema(schema: Readonly<Record<string, unknown>>, privateKey: string | KeyObject): string {
  return sign('sha256', schemaSigningInput(schema), { key: loadPrivateKey(privateKey), dsaEncoding: 'der' }).toString('base64')
}

/** Returns the schema with its `signature` field set. */
export function withSignature<S extends Readonly<Record<string, unknown>>>(schema: S, privateKey: string | KeyObject): S & { signature: string } {
  return { ...schema, [SIGNATURE_FIELD]: signSchema(schema, privateKey) }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Verifies a schema's signature against a provider key. Never throws for bad schemas; throws `SchemaKeyError` for a bad key. */
export function verifySchema(schema: unknown, publicKey: string | KeyObject): SchemaCheck {
  const key = loadPublicKey(publicKey)
  const keyId = keyIdOf(key)
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { valid: false, keyId, reason: 'bad_schema', detail: 'schema is not a JSON object' }
  const sig = (schema as Record<string, unknown>)[SIGNATURE_FIELD]
  if (sig === undefined) return { valid: false, keyId, reason: 'unsigned', detail: 'schema has no signature field' }
  if (typeof sig !== 'string' || sig.length % 4 !== 0 || !BASE64.test(sig)) return { valid: false, keyId, reason: 'bad_signature', detail: 'signature is not a base64 string' }
  let input: Buffer
  try {
    input = schemaSigningInput(schema as Record<string, unknown>)
  } catch (e) {
    return { valid: false, keyId, reason: 'bad_schema', detail: e instanceof Error ? e.message : String(e) }
  }
  let ok = false
  try {
    ok = verify('sha256', input, { key, dsaEncoding: 'der' }, Buffer.from(sig, 'base64'))
  } catch {
    ok = false
  }
  return ok ? { valid: true, keyId } : { valid: false, keyId, reason: 'bad_signature', detail: 'signature does not verify with the provider key' }
}
