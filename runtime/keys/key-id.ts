import { createHash, type KeyObject } from 'node:crypto'

/** The key id of OPERATIONS.md: `sha256:` and the hex SHA-256 of the public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`
}
