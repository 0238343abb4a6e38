import { createCipheriv, createDecipheriv, diffieHellman, hkdfSync, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { MessageError } from './errors.js'
import type { MessageCipher } from './envelope.js'
import { lengthPrefixed } from './signing-input.js'

const IV_BYTES = 12
const TAG_BYTES = 16

/** Encrypts `plaintext` with a 32-byte key; returns IV ‖ ciphertext ‖ tag. */
export function encryptPayload(cipher: MessageCipher, key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES)
  const c = cipher === 'aes-256-gcm' ? createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }) : createCipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG_BYTES })
  c.setAAD(aad, { plaintextLength: plaintext.length })
  const body = Buffer.concat([c.update(plaintext), c.final()])
  return Buffer.concat([iv, body, c.getAuthTag()])
}

/** Decrypts IV ‖ ciphertext ‖ tag; a wrong key, header or byte is a `decrypt` error. */
export function decryptPayload(cipher: MessageCipher, key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new MessageError('decrypt', 'payload shorter than IV and tag')
  const iv = sealed.subarray(0, IV_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)
  try {
    const d = cipher === 'aes-256-gcm' ? createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }) : createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG_BYTES })
    d.setAAD(aad, { plaintextLength: body.length })
    d.setAuthTag(tag)
    return Buffer.concat([d.update(body), d.final()])
  } catch {
    throw new MessageError('decrypt', `payload does not decrypt (${cipher}): wrong key or altered data`)
  }
}

/**
 * The per-message ChaCha20-Poly1305 key between two agents: X25519 of one agent's private key
 * and the other's public key, through HKDF-SHA-256 with the message nonce as salt and both
 * agent ids (length-prefixed, sender first) as info. Static-static agreement: both sides
 * derive the same key without an extra round trip, at the price of no forward secrecy.
 */
export function agreementKey(ownPrivate: KeyObject, peerPublic: KeyObject, sender: string, recipient: string, nonce: string): Buffer {
  if (ownPrivate.asymmetricKeyType !== 'x25519' || peerPublic.asymmetricKeyType !== 'x25519') throw new MessageError('config', 'X25519 keys are required for x25519-chacha20-poly1305')
  const shared = diffieHellman({ privateKey: ownPrivate, publicKey: peerPublic })
  const info = lengthPrefixed(['x25519-chacha20-poly1305', sender, recipient])
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(nonce, 'base64url'), info, 32))
}
