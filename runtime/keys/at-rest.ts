/**
 * Private keys at rest: PKCS#8 DER, optionally sealed with a passphrase — scrypt derives a
 * 256-bit key, AES-256-GCM encrypts (its tag authenticates, so a wrong passphrase or a changed
 * file is refused, never decrypted to garbage).
 */
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto'
import { KeyError } from './errors.js'
import type { StoredPrivateKey } from './records.js'

/** scrypt cost (N = 2^15, r = 8): ~32 MiB and tens of ms per derivation — the cost is the point. */
const N = 1 << 15
const R = 8
const P = 1
const MAX_MEM = 64 * 1024 * 1024

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: n, r, p, maxmem: MAX_MEM })
}

export function sealPrivateKey(key: KeyObject, passphrase: string | undefined): StoredPrivateKey {
  const der = key.export({ type: 'pkcs8', format: 'der' })
  if (passphrase === undefined) return { encoding: 'plain', pkcs8: der.toString('base64') }
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', derive(passphrase, salt, N, R, P), iv)
  const data = Buffer.concat([cipher.update(der), cipher.final()])
  return { encoding: 'scrypt-aes-256-gcm', N, r: R, p: P, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

export function openPrivateKey(stored: StoredPrivateKey, passphrase: string | undefined, what: string): KeyObject {
  if (stored.encoding === 'plain') return createPrivateKey({ key: Buffer.from(stored.pkcs8, 'base64'), format: 'der', type: 'pkcs8' })
  if (passphrase === undefined) throw new KeyError('passphrase_required', `${what} is encrypted at rest: a passphrase is needed (SYMBI_KEY_PASSPHRASE)`)
  // Parameters come from the file: bound them so a crafted record cannot make scrypt eat the machine.
  if (!(stored.N >= 2 && stored.N <= 1 << 20 && stored.r >= 1 && stored.r <= 32 && stored.p >= 1 && stored.p <= 16)) throw new KeyError('bad_record', `${what}: scrypt parameters out of range`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(passphrase, Buffer.from(stored.salt, 'base64'), stored.N, stored.r, stored.p), Buffer.from(stored.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(stored.tag, 'base64'))
    const der = Buffer.concat([decipher.update(Buffer.from(stored.data, 'base64')), decipher.final()])
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch {
    throw new KeyError('wrong_passphrase', `${what}: the passphrase does not open it (or the record was changed)`)
  }
}
