import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readRegularFileSync } from '../regular-file.js'

/** A key could not be read or is not the Ed25519 key of the kind asked for. */
export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError'
  constructor(
    /** Stable code: `AUDIT_KEY_READ`, `AUDIT_KEY_PARSE` or `AUDIT_KEY_TYPE`. */
    readonly code: 'AUDIT_KEY_READ' | 'AUDIT_KEY_PARSE' | 'AUDIT_KEY_TYPE',
    message: string,
  ) {
    super(message)
  }
}

/** A signing key as callers may pass it: a KeyObject, PEM text, or the path of a PEM file. */
export type SigningKeyInput = KeyObject | string

/** A verification key as callers may pass it: a KeyObject, PEM text, or the path of a PEM file. */
export type PublicKeyInput = KeyObject | string

function pemLabel(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1]
}

function readPem(source: string, what: string): { pem: string; where: string } {
  if (source.includes('-----BEGIN ')) return { pem: source, where: `the ${what} PEM text` }
  try {
    return { pem: readRegularFileSync(source), where: `'${source}'` }
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))
    throw new AuditKeyError('AUDIT_KEY_READ', `cannot read ${what} file '${source}': ${reason}`)
  }
}

function requireEd25519(key: KeyObject, where: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyError('AUDIT_KEY_TYPE', `${where} holds a ${key.asymmetricKeyType ?? 'symmetric'} ${key.type} key; the audit trail needs an Ed25519 ${what}`)
  }
  return key
}

/** Loads an Ed25519 private key (PKCS#8 PEM) from a KeyObject, PEM text or file path. */
export function loadPrivateKey(source: SigningKeyInput): KeyObject {
  if (typeof source !== 'string') {
    if (source.type !== 'private') throw new AuditKeyError('AUDIT_KEY_TYPE', `the signing key is a ${source.type} key; an Ed25519 private key is needed`)
    return requireEd25519(source, 'the signing key', 'private key')
  }
  const { pem, where } = readPem(source, 'private key')
  const label = pemLabel(pem)
  if (label === undefined) throw new AuditKeyError('AUDIT_KEY_PARSE', `${where} is not a PEM file (no -----BEGIN line)`)
  if (!label.includes('PRIVATE KEY')) throw new AuditKeyError('AUDIT_KEY_TYPE', `${where} holds a ${label}, not a private key (did you pass public.pem?)`)
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (e) {
    throw new AuditKeyError('AUDIT_KEY_PARSE', `${where} is not a readable private key: ${e instanceof Error ? e.message : String(e)}`)
  }
  return requireEd25519(key, where, 'private key')
}

/** Loads an Ed25519 public key (SPKI PEM) from a KeyObject, PEM text or file path. */
export function loadPublicKey(source: PublicKeyInput): KeyObject {
  if (typeof source !== 'string') {
    if (source.type !== 'public') throw new AuditKeyError('AUDIT_KEY_TYPE', `the verification key is a ${source.type} key; an Ed25519 public key is needed`)
    return requireEd25519(source, 'the verification key', 'public key')
  }
  const { pem, where } = readPem(source, 'public key')
  const label = pemLabel(pem)
  if (label === undefined) throw new AuditKeyError('AUDIT_KEY_PARSE', `${where} is not a PEM file (no -----BEGIN line)`)
  // A private key would work (its public half can be derived) but handing it to verifiers is a leak.
  if (label.includes('PRIVATE KEY')) throw new AuditKeyError('AUDIT_KEY_TYPE', `${where} holds a ${label}; pass the public key (public.pem), never the private key, to verify`)
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (e) {
    throw new AuditKeyError('AUDIT_KEY_PARSE', `${where} is not a readable public key: ${e instanceof Error ? e.message : String(e)}`)
  }
  return requireEd25519(key, where, 'public key')
}

/** A fresh Ed25519 key pair as PEM text (PKCS#8 private, SPKI public). */
export function generateAuditKeyPair(): { readonly privateKeyPem: string; readonly publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}
