import { sign, verify, type KeyObject } from 'node:crypto'

/**
 * Signatures are over `SIGNING_CONTEXT ‖ hash` (the hash as its 64 ASCII hex digits). The prefix
 * keeps an audit signature from being valid for anything else the same key might sign.
 */
export const SIGNING_CONTEXT = 'symbi-policy audit v1\n'

/** Signs a record hash; returns 128 lower-case hex digits. */
export function signHash(hash: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(SIGNING_CONTEXT + hash, 'utf8'), privateKey).toString('hex')
}

/** True when `signature` (128 lower-case hex digits) is a valid signature of `hash`. */
export function verifyHashSignature(hash: string, signature: string, publicKey: KeyObject): boolean {
  if (!/^[0-9a-f]{128}$/.test(signature)) return false
  try {
    return verify(null, Buffer.from(SIGNING_CONTEXT + hash, 'utf8'), publicKey, Buffer.from(signature, 'hex'))
  } catch {
    return false
  }
}
